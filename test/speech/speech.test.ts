import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type OpenAIAudioServer,
  startOpenAIAudioServer,
} from "../../services/gateway/src/speech/__fixtures__/openai-audio-server.ts";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

/**
 * Voice against the real embedded server, whose gateway talks to a local server speaking OpenAI's
 * audio API through the official SDK: the multipart transcription request and its three answer
 * formats, speech streamed back as bytes, ownership, limits, and no speech server at all.
 */

const speechKey = "sk-speech-SECRETSPEECHKEY0123456789";

/** A mono 16-bit PCM WAV of `samples` samples of a tone, as a microphone would record it. */
function wav(samples = 8000): Uint8Array {
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => bytes.set(new TextEncoder().encode(text), offset);
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 8000, true);
  view.setUint32(28, 16000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples * 2, true);
  for (let index = 0; index < samples; index++) {
    view.setInt16(44 + index * 2, Math.round(8000 * Math.sin(index / 4)), true);
  }
  return bytes;
}

async function upload(client: ChatApiClient, name: string, bytes: Uint8Array): Promise<any> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)]), name);
  const response = await fetch(`${client.baseUrl}/api/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return response.json();
}

function speak(client: ChatApiClient, body: unknown): Promise<Response> {
  return fetch(`${client.baseUrl}/api/speech`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe.each(["json", "verbose_json", "text"] as const)(
  "voice with a speech server answering %s",
  (format) => {
    let audio: OpenAIAudioServer;
    let server: EmbeddedServer;
    let alice: ChatApiClient;
    let bob: ChatApiClient;

    beforeAll(async () => {
      audio = startOpenAIAudioServer({ heardText: "  Please summarise the meeting notes.  " });
      server = await startEmbeddedServer({
        SPEECH_BASE_URL: audio.url,
        SPEECH_API_KEY: speechKey,
        TRANSCRIPTION_MODEL: "whisper-large-v3",
        TRANSCRIPTION_RESPONSE_FORMAT: format,
        SPEECH_MODEL: "tts-1-hd",
        SPEECH_VOICE: "nova",
        SPEECH_MAX_CHARS: "200",
        SPEECH_PER_USER_PER_MINUTE: "6",
      });
      alice = await ChatApiClient.signUp(server.baseUrl, "Alice");
      bob = await ChatApiClient.signUp(server.baseUrl, "Bob");
    });
    afterAll(async () => {
      await server?.stop();
      await audio?.stop();
    });

    test("the settings say both work", async () => {
      const settings = await alice.request("GET", "/api/speech/settings");
      expect(settings.status).toBe(200);
      expect(settings.body).toEqual({ transcription: true, speech: true, maxChars: 200 });
    });

    test("an audio attachment is sent as the file part of a multipart request and its text comes back", async () => {
      const recording = wav();
      const attachment = await upload(alice, "voice note.wav", recording);
      const transcribed = await alice.request("POST", `/api/attachments/${attachment.id}/transcription`);
      expect(transcribed.status).toBe(200);
      expect(transcribed.body.attachmentId).toBe(attachment.id);
      expect(transcribed.body.text).toBe("Please summarise the meeting notes.");
      if (format === "verbose_json") {
        expect(transcribed.body.language).toBe("english");
        expect(transcribed.body.durationSeconds).toBe(2.5);
      } else {
        expect(transcribed.body.language).toBeNull();
        expect(transcribed.body.durationSeconds).toBeNull();
      }
      const received = audio.transcriptions.at(-1);
      expect(received?.authorization).toBe(`Bearer ${speechKey}`);
      expect(received?.model).toBe("whisper-large-v3");
      expect(received?.responseFormat).toBe(format);
      expect(received?.fileName).toBe("voice note.wav");
      expect(received?.fileType).toBe(attachment.mediaType);
      expect(received?.fileBytes).toEqual(recording);
    });

    test("another user's audio attachment is 404 and never reaches the speech server", async () => {
      const attachment = await upload(alice, "private.wav", wav(400));
      const before = audio.transcriptions.length;
      const refused = await bob.request("POST", `/api/attachments/${attachment.id}/transcription`);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe("ATTACHMENT_NOT_FOUND");
      expect(audio.transcriptions.length).toBe(before);
    });

    test("a file that is not audio is 415", async () => {
      const text = await upload(alice, "notes.txt", new TextEncoder().encode("just text"));
      const refused = await alice.request("POST", `/api/attachments/${text.id}/transcription`);
      expect(refused.status).toBe(415);
      expect(refused.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    });

    test("a text is read aloud: the speech server's audio bytes stream back", async () => {
      const spoken = await speak(alice, { text: "  The answer is 42.  " });
      expect(spoken.status).toBe(200);
      expect(spoken.headers.get("content-type")).toBe("audio/mpeg");
      expect(new Uint8Array(await spoken.arrayBuffer())).toEqual(audio.audioFor("The answer is 42."));
      expect(audio.speeches.at(-1)).toEqual({
        authorization: `Bearer ${speechKey}`,
        model: "tts-1-hd",
        voice: "nova",
        input: "The answer is 42.",
        responseFormat: "mp3",
      });

      const shimmer = await speak(alice, { text: "Hi", voice: "shimmer" });
      expect(shimmer.status).toBe(200);
      await shimmer.arrayBuffer();
      expect(audio.speeches.at(-1)?.voice).toBe("shimmer");
    });

    test("a text past SPEECH_MAX_CHARS, an empty one and a bad voice are 400 and send nothing", async () => {
      const before = audio.speeches.length;
      for (const body of [
        { text: "x".repeat(201) },
        { text: "   " },
        { text: "Hi", voice: "../x" },
        { voice: "nova" },
      ]) {
        const refused = await speak(alice, body);
        expect(refused.status).toBe(400);
        expect(((await refused.json()) as any).error.code).toBe("VALIDATION_FAILED");
      }
      expect(audio.speeches.length).toBe(before);
    });

    test("the speech server's failures are typed: 502 for its errors, 503 when it is overloaded", async () => {
      const attachment = await upload(alice, "again.wav", wav(400));
      // The SDK retries once: both attempts are refused.
      audio.refuseNext({ status: 500 });
      audio.refuseNext({ status: 500 });
      const failed = await alice.request("POST", `/api/attachments/${attachment.id}/transcription`);
      expect(failed.status).toBe(502);
      expect(failed.body.error.code).toBe("PROVIDER_ERROR");
      expect(failed.body.error.message).not.toContain("Refused");

      audio.refuseNext({ status: 429 });
      audio.refuseNext({ status: 429 });
      const overloaded = await speak(alice, { text: "Hello" });
      expect(overloaded.status).toBe(503);
      expect(((await overloaded.json()) as any).error.code).toBe("PROVIDER_OVERLOADED");
    });
  },
);

describe("voice limits", () => {
  let audio: OpenAIAudioServer;
  let server: EmbeddedServer;

  beforeAll(async () => {
    audio = startOpenAIAudioServer();
    server = await startEmbeddedServer({ SPEECH_BASE_URL: audio.url, SPEECH_PER_USER_PER_MINUTE: "2" });
  });
  afterAll(async () => {
    await server?.stop();
    await audio?.stop();
  });

  test("transcriptions and speech share SPEECH_PER_USER_PER_MINUTE: past it 429 with Retry-After", async () => {
    const carol = await ChatApiClient.signUp(server.baseUrl, "Carol");
    const attachment = await upload(carol, "a.wav", wav(400));
    expect((await carol.request("POST", `/api/attachments/${attachment.id}/transcription`)).status).toBe(200);
    const spoken = await speak(carol, { text: "One" });
    expect(spoken.status).toBe(200);
    await spoken.arrayBuffer();
    const refused = await speak(carol, { text: "Two" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as any).error.code).toBe("RATE_LIMITED");
    expect(audio.speeches.map((speech) => speech.input)).toEqual(["One"]);
  });
});

describe("voice without a speech server", () => {
  let server: EmbeddedServer;
  let dave: ChatApiClient;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    dave = await ChatApiClient.signUp(server.baseUrl, "Dave");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("the settings say neither works", async () => {
    const settings = await dave.request("GET", "/api/speech/settings");
    expect(settings.body).toEqual({ transcription: false, speech: false, maxChars: 4096 });
  });

  test("transcription and speech answer 503 SPEECH_NOT_CONFIGURED, with no Retry-After", async () => {
    const attachment = await upload(dave, "voice.wav", wav(400));
    const transcribed = await dave.request("POST", `/api/attachments/${attachment.id}/transcription`);
    expect(transcribed.status).toBe(503);
    expect(transcribed.body.error.code).toBe("SPEECH_NOT_CONFIGURED");
    expect(transcribed.body.error.message).toContain("SPEECH_BASE_URL");
    const spoken = await speak(dave, { text: "Hello" });
    expect(spoken.status).toBe(503);
    expect(spoken.headers.get("retry-after")).toBeNull();
    expect(((await spoken.json()) as any).error.code).toBe("SPEECH_NOT_CONFIGURED");
  });

  test("another user's audio attachment is still 404: whose it is is checked first", async () => {
    const attachment = await upload(dave, "dave.wav", wav(400));
    const erin = await ChatApiClient.signUp(server.baseUrl, "Erin");
    const refused = await erin.request("POST", `/api/attachments/${attachment.id}/transcription`);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("ATTACHMENT_NOT_FOUND");
  });

  test("unauthenticated requests are 401", async () => {
    const anonymous = await fetch(`${server.baseUrl}/api/speech/settings`);
    expect(anonymous.status).toBe(401);
  });
});
