import { AppError, type SpeechSettings, type Transcription } from "@chat/contracts";
import type { RateLimits } from "../limits/rate-limits.ts";
import type { AttachmentService } from "../uploads/attachment-service.ts";
import type { SpeechServer, SpokenAudio } from "./speech-server.ts";

export type SpeechServiceDependencies = {
  /** Null when SPEECH_BASE_URL is unset: every request is SPEECH_NOT_CONFIGURED. */
  server: SpeechServer | null;
  attachments: Pick<AttachmentService, "audio">;
  rateLimits: Pick<RateLimits, "takeSpeech">;
  /** SPEECH_VOICE */
  defaultVoice: string;
  /** SPEECH_MAX_CHARS */
  maxChars: number;
};

function notConfigured(): never {
  throw new AppError("SPEECH_NOT_CONFIGURED", "No speech server is configured (SPEECH_BASE_URL)", {
    retryable: false,
  });
}

/**
 * Voice for the signed-in user: transcribes their audio attachments and reads texts aloud through
 * the speech server, one rate-limit bucket for both. HTTP only: the audio is an upload already,
 * and the answer is a byte stream, which a WebSocket frame is not made for.
 *
 * @example
 * const { text } = await speech.transcribe(user.id, attachmentId, traceparent, request.signal);
 */
export class SpeechService {
  constructor(private readonly dependencies: SpeechServiceDependencies) {}

  settings(): SpeechSettings {
    const configured = this.dependencies.server !== null;
    return { transcription: configured, speech: configured, maxChars: this.dependencies.maxChars };
  }

  /**
   * The text of the user's audio attachment: another user's or a missing one is
   * ATTACHMENT_NOT_FOUND (404), another kind of file UNSUPPORTED_MEDIA_TYPE (415).
   */
  async transcribe(
    userId: string,
    attachmentId: string,
    traceparent: string,
    signal: AbortSignal,
  ): Promise<Transcription> {
    // Whose the attachment is comes first: another user's id is 404 whatever the configuration.
    const content = await this.dependencies.attachments.audio(userId, attachmentId, traceparent);
    if (!this.dependencies.server) {
      await content.body.cancel().catch(() => undefined);
      notConfigured();
    }
    const server = this.dependencies.server;
    await this.dependencies.rateLimits.takeSpeech(userId).catch(async (error: unknown) => {
      await content.body.cancel().catch(() => undefined);
      throw error;
    });
    // The multipart request to the server needs its length; the upload limit bounds it.
    const bytes = new Uint8Array(await new Response(content.body).arrayBuffer());
    const heard = await server.transcribe(
      { bytes, name: content.attachment.name, mediaType: content.attachment.mediaType },
      signal,
    );
    return { attachmentId, ...heard };
  }

  /** `text` spoken in `voice` (default SPEECH_VOICE); longer than SPEECH_MAX_CHARS is VALIDATION_FAILED. */
  async speak(
    userId: string,
    request: { text: string; voice?: string },
    signal: AbortSignal,
  ): Promise<SpokenAudio> {
    const server = this.dependencies.server ?? notConfigured();
    const text = request.text.trim();
    const { maxChars } = this.dependencies;
    if (text.length === 0 || text.length > maxChars) {
      throw new AppError("VALIDATION_FAILED", "The text cannot be read aloud", {
        retryable: false,
        details: [{ path: "/text", message: `must have 1 to ${maxChars} characters besides spaces` }],
      });
    }
    await this.dependencies.rateLimits.takeSpeech(userId);
    return server.speak({ text, voice: request.voice ?? this.dependencies.defaultVoice }, signal);
  }
}
