import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type {
  GenerateRequest,
  ModelMessage,
  ModelProvider,
  ProviderUsage,
  StreamPart,
} from "../model-provider.ts";
import { ProviderError, type ProviderErrorKind } from "./provider-error.ts";
import { isRecord, kindOfStatus, retryAfterMsOf, safeName } from "./upstream-response.ts";

/** Options of {@link OpenAIChatProvider}. */
export type OpenAIChatProviderOptions = {
  /** The provider's name in logs and usage records: `openai`, `openrouter`, `openai-compatible`, ... */
  id: string;
  /** Optional for servers without keys (Ollama, a local vLLM); a placeholder is sent instead. */
  apiKey?: string;
  /** Defaults to `https://api.openai.com/v1`; the SDK appends `/chat/completions`. */
  baseURL?: string;
  /** Sent with every request, e.g. OpenRouter's attribution headers. */
  defaultHeaders?: Record<string, string>;
  /**
   * The request field that caps the answer. `max_tokens` (the default) is what Ollama, vLLM, LM
   * Studio and OpenRouter understand; OpenAI's reasoning models accept only `max_completion_tokens`.
   */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
};

// The SDK refuses to start without a key, and key-less servers ignore the header.
const placeholderApiKey = "not-needed";

/**
 * A message as the Chat Completions API takes it: text content, or for a user's message with
 * images, a text part followed by `image_url` parts holding data URLs (no provider fetches a URL of ours).
 *
 * @example
 * toOpenAIMessage({ role: "user", content: "What is this?", images: [{ mediaType: "image/png", data: "iVBOR..." }] });
 * // { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR..." } }] }
 */
export function toOpenAIMessage(message: ModelMessage): OpenAI.ChatCompletionMessageParam {
  const images = message.images ?? [];
  if (message.role !== "user" || images.length === 0) return { role: message.role, content: message.content };
  return {
    role: "user",
    content: [
      ...(message.content.trim() === "" ? [] : [{ type: "text" as const, text: message.content }]),
      ...images.map((image) => ({
        type: "image_url" as const,
        image_url: { url: `data:${image.mediaType};base64,${image.data}` },
      })),
    ],
  };
}

/** Kinds of the error codes and types that OpenAI-compatible servers put in an in-stream error. */
function kindOfErrorName(name: string): ProviderErrorKind {
  if (/rate_limit/.test(name)) return "rate_limited";
  if (/overload/.test(name)) return "overloaded";
  if (/timeout/.test(name)) return "timeout";
  if (/api_key|auth|permission/.test(name)) return "auth";
  if (/invalid_request|not_found|context_length/.test(name)) return "bad_request";
  return "server";
}

/**
 * The OpenAI Chat Completions protocol behind the {@link ModelProvider} port, through the official
 * SDK: OpenAI itself, OpenRouter, Ollama, vLLM, LM Studio. Streams `choices[0].delta.content`, asks
 * for a final usage chunk, and turns every failure into a `ProviderError` whose message never
 * repeats the server's own error text.
 *
 * @example
 * const ollama = new OpenAIChatProvider({ id: "openai-compatible", baseURL: "http://localhost:11434/v1" });
 * for await (const part of ollama.stream({ model: "llama3.2", messages, maxOutputTokens: 512, signal })) {
 *   if (part.type === "text-delta") process.stdout.write(part.text);
 * }
 */
export class OpenAIChatProvider implements ModelProvider {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly maxTokensField: "max_tokens" | "max_completion_tokens";

  constructor(options: OpenAIChatProviderOptions) {
    this.id = options.id;
    this.maxTokensField = options.maxTokensField ?? "max_tokens";
    this.client = new OpenAI({
      apiKey: options.apiKey || placeholderApiKey,
      // Explicit, so that OPENAI_BASE_URL cannot redirect requests behind the service's config.
      baseURL: options.baseURL ?? "https://api.openai.com/v1",
      defaultHeaders: options.defaultHeaders,
      // Otherwise the SDK sends OPENAI_ORG_ID and OPENAI_PROJECT_ID to whichever server this is.
      organization: null,
      project: null,
      fetch: options.fetch,
      // The orchestrator decides about retries and fallbacks.
      maxRetries: 0,
      // Failures reach the orchestrator's log as ProviderErrors; the SDK's console lines would repeat them.
      logLevel: "off",
    });
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    if (request.signal.aborted) throw request.signal.reason;
    try {
      const chunks = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toOpenAIMessage),
          stream: true,
          stream_options: { include_usage: true },
          ...(this.maxTokensField === "max_tokens"
            ? { max_tokens: request.maxOutputTokens }
            : { max_completion_tokens: request.maxOutputTokens }),
          ...(request.temperature !== undefined && { temperature: request.temperature }),
          ...(request.topP !== undefined && { top_p: request.topP }),
        },
        { signal: request.signal },
      );
      let finishReason: string | null = null;
      let usage: ProviderUsage | null = null;
      // Typed as unknown: the SDK only parses JSON, it does not check the shape.
      for await (const chunk of chunks as AsyncIterable<unknown>) {
        const content = this.contentOf(chunk);
        if (content.usage) usage = content.usage;
        if (content.finishReason) finishReason = content.finishReason;
        if (content.text) yield { type: "text-delta", text: content.text };
      }
      // The SDK ends the iteration quietly when the signal aborts the body.
      if (request.signal.aborted) throw request.signal.reason;
      if (finishReason === null) {
        throw new ProviderError(this.id, "connection", `${this.id}'s stream ended without a finish_reason`);
      }
      if (finishReason === "error") {
        throw new ProviderError(this.id, "server", `${this.id} finished the stream with an error`);
      }
      yield { type: "finish", finishReason: finishReason === "length" ? "length" : "stop", usage };
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason;
      throw this.providerErrorOf(error);
    }
  }

  /** The text, finish reason and usage of one chunk; throws `malformed` when its shape is off. */
  private contentOf(chunk: unknown): { text?: string; finishReason?: string; usage?: ProviderUsage } {
    if (!isRecord(chunk)) throw this.malformed("a chunk that is not an object");
    const content: { text?: string; finishReason?: string; usage?: ProviderUsage } = {};
    const { usage, choices } = chunk;
    if (usage != null) {
      if (
        !isRecord(usage) ||
        typeof usage.prompt_tokens !== "number" ||
        typeof usage.completion_tokens !== "number"
      ) {
        throw this.malformed("a chunk with unreadable usage");
      }
      content.usage = { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
    }
    // The usage chunk has no choices, and some servers leave the field out there.
    if (choices == null) return content;
    if (!Array.isArray(choices)) throw this.malformed("a chunk whose choices are not a list");
    const choice: unknown = choices[0];
    if (choice === undefined) return content;
    if (!isRecord(choice)) throw this.malformed("a choice that is not an object");
    const { delta, finish_reason: finishReason } = choice;
    if (delta != null) {
      if (!isRecord(delta) || (delta.content != null && typeof delta.content !== "string")) {
        throw this.malformed("a delta without text content");
      }
      if (delta.content) content.text = delta.content;
    }
    if (finishReason != null) {
      if (typeof finishReason !== "string") throw this.malformed("a finish_reason that is not text");
      content.finishReason = finishReason;
    }
    return content;
  }

  private malformed(what: string): ProviderError {
    return new ProviderError(this.id, "malformed", `${this.id} sent ${what}`);
  }

  private providerErrorOf(error: unknown): ProviderError {
    if (ProviderError.isInstance(error)) return error;
    if (error instanceof APIConnectionTimeoutError) {
      return new ProviderError(this.id, "timeout", `${this.id} did not answer in time`, { cause: error });
    }
    if (error instanceof APIConnectionError || error instanceof APIUserAbortError) {
      return new ProviderError(this.id, "connection", `Could not reach ${this.id}`, { cause: error });
    }
    if (error instanceof APIError) {
      const code: unknown = error.code;
      const name = safeName(code) ?? safeName(error.type);
      const detail = name ? ` (${name})` : "";
      if (error.status !== undefined) {
        return new ProviderError(
          this.id,
          kindOfStatus(error.status),
          `${this.id} answered ${error.status}${detail}`,
          {
            status: error.status,
            retryAfterMs: retryAfterMsOf(error.headers),
            cause: error,
          },
        );
      }
      // An error inside a 200 stream; OpenRouter puts an HTTP status in `code`, OpenAI a name.
      const kind = typeof code === "number" ? kindOfStatus(code) : name ? kindOfErrorName(name) : "server";
      const label = typeof code === "number" ? ` (${code})` : detail;
      return new ProviderError(this.id, kind, `${this.id} sent an error in the stream${label}`, {
        cause: error,
      });
    }
    if (error instanceof SyntaxError) {
      return new ProviderError(this.id, "malformed", `${this.id} sent a chunk that is not JSON`, {
        cause: error,
      });
    }
    // Whatever else breaks while reading the body is the connection: a reset, a truncated chunk.
    return new ProviderError(this.id, "connection", `The connection to ${this.id} broke off`, {
      cause: error,
    });
  }
}
