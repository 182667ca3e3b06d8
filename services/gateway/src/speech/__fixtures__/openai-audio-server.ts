/** A transcription request as the server received it, once its multipart shape was checked. */
export type ReceivedTranscription = {
  authorization: string | null;
  model: string;
  responseFormat: string;
  fileName: string;
  /** The `Content-Type` of the file part, as the client sent it. */
  fileType: string;
  fileBytes: Uint8Array;
};

/** A speech request as the server received it. */
export type ReceivedSpeech = {
  authorization: string | null;
  model: string;
  voice: string;
  input: string;
  responseFormat: string;
};

/** How to answer the next request instead: a status with OpenAI's error body, or silence for a while. */
export type AudioRefusal = { status: number } | { stallMs: number };

/** A local stand-in for OpenAI's audio API; `url` is the base URL to give the SDK, ending in `/v1`. */
export type OpenAIAudioServer = {
  readonly url: string;
  readonly transcriptions: ReceivedTranscription[];
  readonly speeches: ReceivedSpeech[];
  /** What every transcription answers, in each format. */
  heardText: string;
  /** Answers the next request with an error, or only after a stall. */
  refuseNext(...refusals: AudioRefusal[]): void;
  /** The audio every speech request answers with: ID3 and MP3 frame bytes plus the input, so a test can tell answers apart. */
  audioFor(input: string): Uint8Array<ArrayBuffer>;
  stop(): Promise<void>;
};

const formats = new Set(["json", "verbose_json", "text", "srt", "vtt"]);
const speechFormats = new Set(["mp3", "opus", "aac", "flac", "wav", "pcm"]);

function openAIError(status: number, message: string, param: string | null = null): Response {
  return Response.json(
    {
      error: {
        message,
        type: status === 429 ? "rate_limit_error" : "invalid_request_error",
        param,
        code: null,
      },
    },
    { status },
  );
}

/** OpenAI's three transcription answers: `json`, `verbose_json` and `text`. */
function transcriptionAnswer(format: string, text: string): Response {
  if (format === "text") return new Response(`${text}\n`, { headers: { "content-type": "text/plain" } });
  if (format === "verbose_json") {
    return Response.json({
      task: "transcribe",
      language: "english",
      duration: 2.5,
      text,
      segments: [
        {
          id: 0,
          seek: 0,
          start: 0,
          end: 2.5,
          text: ` ${text}`,
          tokens: [50364, 2425],
          temperature: 0,
          avg_logprob: -0.2,
          compression_ratio: 1.1,
          no_speech_prob: 0.01,
        },
      ],
      usage: { type: "duration", seconds: 3 },
    });
  }
  return Response.json({ text, usage: { type: "duration", seconds: 3 } });
}

/**
 * Starts a server that speaks OpenAI's audio API as its documentation writes it: a transcription
 * must be `multipart/form-data` with a non-empty `file` part (named, typed) and a `model`, and is
 * answered in the `response_format` asked (`json`, `verbose_json`, `text`); a speech request must
 * be JSON with `model`, `input` and `voice`, and is answered with audio bytes. A request of any
 * other shape is refused with OpenAI's 400, so the client under test cannot pass by accident.
 */
export function startOpenAIAudioServer(
  options: {
    heardText?: string;
    /** Real audio to answer every speech request with (a browser test plays it), in place of `audioFor`. */
    speechAudio?: { bytes: Uint8Array<ArrayBuffer>; mediaType: string };
  } = {},
): OpenAIAudioServer {
  const transcriptions: ReceivedTranscription[] = [];
  const speeches: ReceivedSpeech[] = [];
  const refusals: AudioRefusal[] = [];
  const encoder = new TextEncoder();
  const audioFor = (input: string) =>
    new Uint8Array([
      ...encoder.encode("ID3"),
      4,
      0,
      0,
      0,
      0,
      0,
      0,
      0xff,
      0xfb,
      0x90,
      0x64,
      ...encoder.encode(input),
    ]);

  const state = {
    heardText: options.heardText ?? "Hello from the speech server.",
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const refusal = refusals.shift();
      if (refusal && "stallMs" in refusal) await Bun.sleep(refusal.stallMs);
      else if (refusal) return openAIError(refusal.status, `Refused with ${refusal.status}`);
      if (request.method === "POST" && path === "/v1/audio/transcriptions") {
        if (!request.headers.get("content-type")?.startsWith("multipart/form-data; boundary=")) {
          return openAIError(400, "Expected multipart/form-data");
        }
        // The part's own Content-Type: Bun's form parser names a file's type by its extension.
        const raw = await request.clone().text();
        const partType = /name="file"; filename="[^"]*"\r\nContent-Type: ([^\r\n]+)/i.exec(raw)?.[1];
        const form = await request.formData();
        const file = form.get("file");
        const model = form.get("model");
        const responseFormat = form.get("response_format") ?? "json";
        if (!(file instanceof File) || file.size === 0 || file.name.length === 0) {
          return openAIError(400, "'file' must be a non-empty file", "file");
        }
        if (typeof model !== "string" || model.length === 0)
          return openAIError(400, "'model' is required", "model");
        if (typeof responseFormat !== "string" || !formats.has(responseFormat)) {
          return openAIError(400, "Unknown response_format", "response_format");
        }
        transcriptions.push({
          authorization: request.headers.get("authorization"),
          model,
          responseFormat,
          fileName: file.name,
          fileType: partType ?? "",
          fileBytes: new Uint8Array(await file.arrayBuffer()),
        });
        return transcriptionAnswer(responseFormat, state.heardText);
      }
      if (request.method === "POST" && path === "/v1/audio/speech") {
        if (!request.headers.get("content-type")?.startsWith("application/json")) {
          return openAIError(400, "Expected application/json");
        }
        const body = (await request.json()) as Record<string, unknown>;
        const { model, input, voice } = body;
        const responseFormat = body.response_format ?? "mp3";
        if (typeof model !== "string" || typeof input !== "string" || typeof voice !== "string") {
          return openAIError(400, "'model', 'input' and 'voice' are required");
        }
        if (input.length === 0 || input.length > 4096)
          return openAIError(400, "'input' is too long", "input");
        if (typeof responseFormat !== "string" || !speechFormats.has(responseFormat)) {
          return openAIError(400, "Unknown response_format", "response_format");
        }
        speeches.push({
          authorization: request.headers.get("authorization"),
          model,
          voice,
          input,
          responseFormat,
        });
        const spoken = options.speechAudio ?? { bytes: audioFor(input), mediaType: "audio/mpeg" };
        return new Response(spoken.bytes, { headers: { "content-type": spoken.mediaType } });
      }
      return openAIError(404, `No route ${request.method} ${path}`);
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    transcriptions,
    speeches,
    get heardText() {
      return state.heardText;
    },
    set heardText(text: string) {
      state.heardText = text;
    },
    refuseNext: (...next) => {
      refusals.push(...next);
    },
    audioFor,
    stop: () => server.stop(true),
  };
}
