import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import { type OpenAIAudioServer, startOpenAIAudioServer } from "./__fixtures__/openai-audio-server.ts";
import { OpenAISpeechServer, type OpenAISpeechServerSettings } from "./openai-speech-server.ts";

const audioBytes = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3, 4]);
const recording = { bytes: audioBytes, name: "voice.webm", mediaType: "audio/webm" };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return AppError.isInstance(error) ? error.code : `not an AppError: ${String(error)}`;
}

describe("OpenAISpeechServer against a server speaking OpenAI's audio API", () => {
  let audio: OpenAIAudioServer;
  const settings = (change: Partial<OpenAISpeechServerSettings> = {}): OpenAISpeechServerSettings => ({
    baseUrl: audio.url,
    apiKey: "sk-adapter-test",
    transcriptionModel: "whisper-1",
    transcriptionFormat: "json",
    speechModel: "tts-1",
    timeoutMs: 2_000,
    ...change,
  });

  beforeAll(() => {
    audio = startOpenAIAudioServer({ heardText: " Hello there. " });
  });
  afterAll(() => audio?.stop());

  test.each([
    ["json", null, null],
    ["verbose_json", "english", 2.5],
    ["text", null, null],
  ] as const)(
    "a transcription asked as %s comes back trimmed, with what the format tells",
    async (format, language, duration) => {
      const server = new OpenAISpeechServer(settings({ transcriptionFormat: format }));
      const heard = await server.transcribe(recording, new AbortController().signal);
      expect(heard).toEqual({ text: "Hello there.", language, durationSeconds: duration });
      const received = audio.transcriptions.at(-1);
      expect(received?.responseFormat).toBe(format);
      expect(received?.fileName).toBe("voice.webm");
      expect(received?.fileType).toBe("audio/webm");
      expect(received?.fileBytes).toEqual(audioBytes);
      expect(received?.authorization).toBe("Bearer sk-adapter-test");
    },
  );

  test("speech streams the server's audio with its type", async () => {
    const server = new OpenAISpeechServer(settings());
    const spoken = await server.speak({ text: "Hi", voice: "echo" }, new AbortController().signal);
    expect(spoken.mediaType).toBe("audio/mpeg");
    expect(new Uint8Array(await new Response(spoken.body).arrayBuffer())).toEqual(audio.audioFor("Hi"));
    expect(audio.speeches.at(-1)).toMatchObject({
      model: "tts-1",
      voice: "echo",
      input: "Hi",
      responseFormat: "mp3",
    });
  });

  test("failures are typed, never with the server's own error text", async () => {
    const server = new OpenAISpeechServer(settings());
    const signal = new AbortController().signal;
    audio.refuseNext({ status: 400 });
    const refused = await server.transcribe(recording, signal).catch((error: unknown) => error);
    expect(AppError.isInstance(refused) && refused.code).toBe("PROVIDER_ERROR");
    expect(AppError.isInstance(refused) && refused.retryable).toBe(false);
    expect((refused as Error).message).not.toContain("Refused");

    audio.refuseNext({ status: 503 }, { status: 503 });
    expect(await codeOf(server.speak({ text: "Hi", voice: "echo" }, signal))).toBe("PROVIDER_OVERLOADED");

    audio.refuseNext({ stallMs: 1_500 }, { stallMs: 1_500 });
    const impatient = new OpenAISpeechServer(settings({ timeoutMs: 300 }));
    expect(await codeOf(impatient.transcribe(recording, signal))).toBe("PROVIDER_TIMEOUT");

    const nowhere = new OpenAISpeechServer(settings({ baseUrl: "http://127.0.0.1:9/v1" }));
    expect(await codeOf(nowhere.speak({ text: "Hi", voice: "echo" }, signal))).toBe("PROVIDER_ERROR");
  }, 15_000);
});
