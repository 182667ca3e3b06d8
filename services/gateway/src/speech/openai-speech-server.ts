import { AppError } from "@chat/contracts";
import OpenAI from "openai";
import type { HeardSpeech, SpeechAudio, SpeechServer, SpokenAudio } from "./speech-server.ts";

export type OpenAISpeechServerSettings = {
  /** The API's base URL, e.g. https://api.openai.com/v1 (the SDK appends `/audio/...`). */
  baseUrl: string;
  apiKey?: string;
  transcriptionModel: string;
  /** The `response_format` asked for transcriptions. */
  transcriptionFormat: "json" | "verbose_json" | "text";
  speechModel: string;
  timeoutMs: number;
};

/** What the server names, never its error text (which can echo a key). */
function speechServerError(error: unknown): AppError {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new AppError("PROVIDER_TIMEOUT", "The speech server did not answer in time", { cause: error });
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const overloaded = error.status === 429 || error.status === 503 || error.status === 529;
    return new AppError(
      overloaded ? "PROVIDER_OVERLOADED" : "PROVIDER_ERROR",
      `The speech server answered ${error.status}`,
      { cause: error, retryable: overloaded || error.status >= 500 },
    );
  }
  return new AppError("PROVIDER_ERROR", "The speech server could not be reached", { cause: error });
}

/**
 * The `SpeechServer` over OpenAI's audio API (`/audio/transcriptions`, `/audio/speech`) with the
 * official SDK: OpenAI, or any server that speaks it (faster-whisper-server, LocalAI, Kokoro).
 *
 * @example
 * const speech = new OpenAISpeechServer({ baseUrl: "https://api.openai.com/v1", apiKey, ... });
 * const { text } = await speech.transcribe({ bytes, name: "voice.webm", mediaType: "audio/webm" }, signal);
 */
export class OpenAISpeechServer implements SpeechServer {
  private readonly client: OpenAI;

  constructor(private readonly settings: OpenAISpeechServerSettings) {
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      // The SDK refuses to start without a key; local servers need none.
      apiKey: settings.apiKey ?? "unused",
      timeout: settings.timeoutMs,
      maxRetries: 1,
    });
  }

  async transcribe(audio: SpeechAudio, signal: AbortSignal): Promise<HeardSpeech> {
    const file = new File([audio.bytes], audio.name, { type: audio.mediaType });
    const model = this.settings.transcriptionModel;
    try {
      switch (this.settings.transcriptionFormat) {
        case "text": {
          const text = await this.client.audio.transcriptions.create(
            { file, model, response_format: "text" },
            { signal },
          );
          return { text: String(text).trim(), language: null, durationSeconds: null };
        }
        case "verbose_json": {
          const verbose = await this.client.audio.transcriptions.create(
            { file, model, response_format: "verbose_json" },
            { signal },
          );
          return {
            text: verbose.text.trim(),
            language: verbose.language ?? null,
            durationSeconds: Number.isFinite(verbose.duration) ? verbose.duration : null,
          };
        }
        default: {
          const json = await this.client.audio.transcriptions.create(
            { file, model, response_format: "json" },
            { signal },
          );
          return { text: json.text.trim(), language: null, durationSeconds: null };
        }
      }
    } catch (error) {
      throw speechServerError(error);
    }
  }

  async speak(request: { text: string; voice: string }, signal: AbortSignal): Promise<SpokenAudio> {
    try {
      const response = await this.client.audio.speech.create(
        {
          model: this.settings.speechModel,
          voice: request.voice,
          input: request.text,
          response_format: "mp3",
        },
        { signal },
      );
      if (!response.body) throw new AppError("PROVIDER_ERROR", "The speech server sent no audio");
      return { body: response.body, mediaType: response.headers.get("content-type") ?? "audio/mpeg" };
    } catch (error) {
      throw AppError.isInstance(error) ? error : speechServerError(error);
    }
  }
}
