import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import type {
  GenerateRequest,
  ModelImage,
  ModelMessage,
  ModelProvider,
  StreamPart,
} from "../model-provider.ts";
import { ProviderError, type ProviderErrorKind } from "./provider-error.ts";
import { isRecord, kindOfStatus, retryAfterMsOf, safeName } from "./upstream-response.ts";

/** Options of {@link AnthropicProvider}. */
export type AnthropicProviderOptions = {
  /** The Anthropic API key (`ANTHROPIC_API_KEY`). */
  apiKey: string;
  /** Defaults to `https://api.anthropic.com`; the SDK appends `/v1/messages`. */
  baseURL?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
};

/** The conversation as the Messages API wants it. */
export type AnthropicPrompt = {
  /** All system messages, joined; undefined when there are none. */
  system: string | undefined;
  /** Alternating user and assistant turns, starting with a user turn. */
  messages: Anthropic.MessageParam[];
};

/** A turn's content: its text alone, or Anthropic's base64 image blocks followed by the text. */
function contentOf(text: string, images: ModelImage[]): Anthropic.MessageParam["content"] {
  if (images.length === 0) return text;
  return [
    ...images.map(
      (image): Anthropic.ImageBlockParam => ({
        type: "image",
        source: { type: "base64", media_type: image.mediaType, data: image.data },
      }),
    ),
    ...(text.trim() === "" ? [] : [{ type: "text" as const, text }]),
  ];
}

/**
 * Splits a conversation into Anthropic's `system` parameter and alternating turns: consecutive
 * turns of one role are merged, empty turns are dropped (the API rejects blank text), images go
 * first in their turn as base64 image blocks (as Anthropic advises), and leading
 * assistant turns (most likely the rest of an exchange whose question was trimmed from the context)
 * are dropped because the first turn must be the user's.
 *
 * @example
 * toAnthropicPrompt([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]);
 * // { system: "Be brief.", messages: [{ role: "user", content: "Hi" }] }
 */
export function toAnthropicPrompt(messages: ModelMessage[]): AnthropicPrompt {
  const system = messages
    .filter((message) => message.role === "system")
    .map((message) => message.content)
    .join("\n\n");
  const turns: Array<{ role: "user" | "assistant"; text: string; images: ModelImage[] }> = [];
  for (const message of messages) {
    const images = message.images ?? [];
    if (message.role === "system" || (message.content.trim() === "" && images.length === 0)) continue;
    const previous = turns.at(-1);
    if (previous?.role === message.role) {
      previous.text = [previous.text, message.content].filter((text) => text.trim() !== "").join("\n\n");
      previous.images.push(...images);
    } else if (previous || message.role === "user") {
      turns.push({ role: message.role, text: message.content, images: [...images] });
    }
  }
  return {
    system: system || undefined,
    messages: turns.map((turn) => ({ role: turn.role, content: contentOf(turn.text, turn.images) })),
  };
}

/**
 * Anthropic's highest temperature: a higher one (the API and chats take up to 2, OpenAI's range) is
 * sent as this, the most varied answers Anthropic gives, rather than refused by the API.
 */
export const ANTHROPIC_MAX_TEMPERATURE = 1;

const anthropicErrorKinds: Record<string, ProviderErrorKind> = {
  rate_limit_error: "rate_limited",
  overloaded_error: "overloaded",
  api_error: "server",
  timeout_error: "timeout",
  authentication_error: "auth",
  permission_error: "auth",
  billing_error: "auth",
  invalid_request_error: "bad_request",
  not_found_error: "bad_request",
  request_too_large: "bad_request",
};

function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** Input tokens of a usage object: the uncached ones plus those written to and read from the cache. */
function inputTokensOf(usage: Record<string, unknown>): number {
  return (
    tokenCount(usage.input_tokens) +
    tokenCount(usage.cache_creation_input_tokens) +
    tokenCount(usage.cache_read_input_tokens)
  );
}

/**
 * The Anthropic Messages API behind the {@link ModelProvider} port, through the official SDK.
 * Streams `text_delta`s, maps `max_tokens` to `"length"`, and turns every failure into a
 * `ProviderError` whose message never repeats the provider's own error text.
 *
 * @example
 * const provider = new AnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY ?? "" });
 * for await (const part of provider.stream({ model: "claude-sonnet-4-5", messages, maxOutputTokens: 1024, signal })) {
 *   if (part.type === "text-delta") process.stdout.write(part.text);
 * }
 */
export class AnthropicProvider implements ModelProvider {
  readonly id = "anthropic";
  private readonly client: Anthropic;

  constructor(options: AnthropicProviderOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      // Explicit, so that ANTHROPIC_BASE_URL cannot redirect requests behind the service's config.
      baseURL: options.baseURL ?? "https://api.anthropic.com",
      fetch: options.fetch,
      // The orchestrator decides about retries and fallbacks.
      maxRetries: 0,
      // The SDK would print the raw text of an unparsable event; we report it as a ProviderError.
      logLevel: "off",
    });
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    if (request.signal.aborted) throw request.signal.reason;
    const prompt = toAnthropicPrompt(request.messages);
    if (prompt.messages.length === 0) {
      throw new ProviderError(this.id, "bad_request", "The conversation has no user message for Anthropic");
    }
    try {
      const events = await this.client.messages.create(
        {
          model: request.model,
          max_tokens: request.maxOutputTokens,
          messages: prompt.messages,
          ...(prompt.system !== undefined && { system: prompt.system }),
          ...(request.temperature !== undefined && {
            temperature: Math.min(request.temperature, ANTHROPIC_MAX_TEMPERATURE),
          }),
          ...(request.topP !== undefined && { top_p: request.topP }),
          stream: true,
        },
        { signal: request.signal },
      );
      // Known once message_start arrived; without it there is no usage to report.
      let inputTokens: number | undefined;
      let outputTokens = 0;
      let finishReason: "stop" | "length" = "stop";
      let stopped = false;
      // Typed as unknown: the SDK only parses JSON, it does not check the shape.
      for await (const event of events as AsyncIterable<unknown>) {
        if (!isRecord(event) || typeof event.type !== "string") {
          throw this.malformed("an event without a type");
        }
        switch (event.type) {
          case "message_start": {
            const eventUsage = isRecord(event.message) ? event.message.usage : undefined;
            if (!isRecord(eventUsage) || typeof eventUsage.input_tokens !== "number") {
              throw this.malformed("a message_start without usage");
            }
            inputTokens = inputTokensOf(eventUsage);
            outputTokens = tokenCount(eventUsage.output_tokens);
            break;
          }
          case "content_block_delta": {
            const delta = event.delta;
            if (!isRecord(delta)) throw this.malformed("a content_block_delta without a delta");
            if (delta.type !== "text_delta") break;
            if (typeof delta.text !== "string") throw this.malformed("a text_delta without text");
            if (delta.text.length > 0) yield { type: "text-delta", text: delta.text };
            break;
          }
          case "message_delta": {
            const { delta, usage: deltaUsage } = event;
            if (!isRecord(delta) || !isRecord(deltaUsage) || typeof deltaUsage.output_tokens !== "number") {
              throw this.malformed("a message_delta without a delta or usage");
            }
            if (delta.stop_reason === "max_tokens" || delta.stop_reason === "model_context_window_exceeded") {
              finishReason = "length";
            }
            // message_delta counts are cumulative; newer API versions repeat the input counts there.
            if (typeof deltaUsage.input_tokens === "number") inputTokens = inputTokensOf(deltaUsage);
            outputTokens = deltaUsage.output_tokens;
            break;
          }
          case "message_stop":
            stopped = true;
            break;
        }
      }
      // The SDK ends the iteration quietly when the signal aborts the body.
      if (request.signal.aborted) throw request.signal.reason;
      if (!stopped) {
        throw new ProviderError(this.id, "connection", "Anthropic's stream ended before message_stop");
      }
      const usage = inputTokens === undefined ? null : { inputTokens, outputTokens };
      yield { type: "finish", finishReason, usage };
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason;
      throw this.providerErrorOf(error);
    }
  }

  private malformed(what: string): ProviderError {
    return new ProviderError(this.id, "malformed", `Anthropic sent ${what}`);
  }

  private providerErrorOf(error: unknown): ProviderError {
    if (ProviderError.isInstance(error)) return error;
    if (error instanceof APIConnectionTimeoutError) {
      return new ProviderError(this.id, "timeout", "Anthropic did not answer in time", { cause: error });
    }
    if (error instanceof APIConnectionError || error instanceof APIUserAbortError) {
      return new ProviderError(this.id, "connection", "Could not reach Anthropic", { cause: error });
    }
    if (error instanceof APIError) {
      const errorType = safeName(error.type);
      const detail = errorType ? ` (${errorType})` : "";
      if (error.status !== undefined) {
        return new ProviderError(
          this.id,
          kindOfStatus(error.status),
          `Anthropic answered ${error.status}${detail}`,
          {
            status: error.status,
            retryAfterMs: retryAfterMsOf(error.headers),
            cause: error,
          },
        );
      }
      const kind = (errorType && anthropicErrorKinds[errorType]) || "server";
      return new ProviderError(this.id, kind, `Anthropic sent an error event${detail}`, { cause: error });
    }
    if (error instanceof SyntaxError) {
      return new ProviderError(this.id, "malformed", "Anthropic sent an event that is not JSON", {
        cause: error,
      });
    }
    // Whatever else breaks while reading the body is the connection: a reset, a truncated chunk.
    return new ProviderError(this.id, "connection", "The connection to Anthropic broke off", {
      cause: error,
    });
  }
}
