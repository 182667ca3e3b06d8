import type { ContextMessage, ModelImageMediaType } from "@chat/contracts";

/** Tokens as a provider reported them for one request. */
export type ProviderUsage = { inputTokens: number; outputTokens: number };

/** An image as a provider receives it. */
export type ModelImage = {
  mediaType: ModelImageMediaType;
  /** The bytes, base64. */
  data: string;
  /** The uploaded file's name; none for an image sent inline. */
  name?: string;
};

/**
 * One turn as providers receive it: the text, with the text of attached documents inside, and the
 * images the turn carries (only for models that see them).
 */
export type ModelMessage = {
  role: ContextMessage["role"];
  content: string;
  images?: ModelImage[];
};

export type GenerateRequest = {
  /** The provider's own name of the model. */
  model: string;
  /** System messages first (at most one), then the conversation, oldest first. */
  messages: ModelMessage[];
  maxOutputTokens: number;
  temperature?: number;
  topP?: number;
  /** Aborting it stops the upstream request. */
  signal: AbortSignal;
};

export type StreamPart =
  | { type: "text-delta"; text: string }
  | {
      type: "finish";
      finishReason: "stop" | "length";
      /** What the provider reported; null when it reported nothing. */
      usage: ProviderUsage | null;
    };

/**
 * The ModelProvider port: streams one completion. Adapters: the offline demo model, Anthropic,
 * and the OpenAI Chat Completions protocol (OpenAI, OpenRouter, Ollama, vLLM, LM Studio).
 *
 * `stream` yields text deltas, then exactly one `finish`. It throws a `ProviderError` when the
 * upstream fails, and rethrows `request.signal.reason` when the request was aborted. Adapters never
 * retry on their own: the orchestrator decides about retries and fallbacks.
 */
export interface ModelProvider {
  /** The provider's name in logs, usage records and the model list: `anthropic`, `openai`, ... */
  readonly id: string;
  stream(request: GenerateRequest): AsyncIterable<StreamPart>;
}
