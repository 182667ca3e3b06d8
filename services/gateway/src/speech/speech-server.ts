/** An audio file to transcribe. */
export type SpeechAudio = { bytes: Uint8Array<ArrayBuffer>; name: string; mediaType: string };

/** What a speech server heard; `language` and `durationSeconds` only when its format says. */
export type HeardSpeech = { text: string; language: string | null; durationSeconds: number | null };

/** Spoken audio, streamed as the server sends it. */
export type SpokenAudio = { body: ReadableStream<Uint8Array>; mediaType: string };

/**
 * A server that turns speech into text and text into speech (OpenAI's audio API and the servers
 * that copy it). Failures are `AppError`s: PROVIDER_ERROR, PROVIDER_OVERLOADED, PROVIDER_TIMEOUT.
 */
export interface SpeechServer {
  transcribe(audio: SpeechAudio, signal: AbortSignal): Promise<HeardSpeech>;
  speak(request: { text: string; voice: string }, signal: AbortSignal): Promise<SpokenAudio>;
}
