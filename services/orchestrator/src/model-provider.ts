import type { ContextMessage, Usage } from "@chat/contracts";

/** A model a provider can serve, as listed to users. */
export type ModelInfo = {
  id: string;
  displayName: string;
  provider: string;
  contextWindow: number;
  maxOutputTokens: number;
};

export type GenerateRequest = {
  /** The provider's own name of the model. */
  model: string;
  messages: ContextMessage[];
  maxOutputTokens: number;
  /** Aborting it stops the upstream request. */
  signal: AbortSignal;
};

export type StreamPart =
  | { type: "text-delta"; text: string }
  | { type: "finish"; finishReason: "stop" | "length"; usage: Usage };

/**
 * The ModelProvider port: streams one completion. Implementations: the offline demo model now;
 * Anthropic, OpenAI, OpenRouter and OpenAI-compatible servers behind the same port.
 */
export interface ModelProvider {
  readonly id: string;
  /** Yields text deltas, then exactly one `finish`; throws when the upstream fails or is aborted. */
  stream(request: GenerateRequest): AsyncIterable<StreamPart>;
}
