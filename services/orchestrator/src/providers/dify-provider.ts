import { EventSourceParserStream } from "eventsource-parser/stream";
import type {
  GenerateRequest,
  ModelImage,
  ModelMessage,
  ModelProvider,
  ProviderUsage,
  StreamPart,
} from "../model-provider.ts";
import { ProviderError, type ProviderErrorKind } from "./provider-error.ts";
import { isRecord, kindOfStatus, retryAfterMsOf, safeName } from "./upstream-response.ts";

/** Options of {@link DifyProvider}. */
export type DifyProviderOptions = {
  /** The provider's name in logs and usage records. */
  id?: string;
  /** The app's API key (`DIFY_API_KEY`): a Dify key names one app. */
  apiKey: string;
  /** The API's base, `https://api.dify.ai/v1` or a self-hosted `http://dify.internal/v1`. */
  baseURL: string;
  /** Who Dify records as the end user of its conversations. */
  user: string;
  fetch?: typeof fetch;
};

/** Dify's error codes that are not what their HTTP status says. */
const difyErrorKinds: Record<string, ProviderErrorKind> = {
  provider_quota_exceeded: "auth",
  provider_not_initialize: "auth",
  model_currently_not_support: "bad_request",
  app_unavailable: "bad_request",
};

/**
 * The query a Dify chat app gets for a conversation: the question alone when it is the first, else
 * the instructions and the turns before it, then the question. Each answer is a new Dify
 * conversation, since the chat (trimming, regenerate, edits, takeovers) decides the context, not
 * Dify's memory of an earlier one.
 *
 * @example
 * toDifyQuery([{ role: "user", content: "Hi" }]); // "Hi"
 */
export function toDifyQuery(messages: ModelMessage[]): string {
  const turns = messages.filter((message) => message.content.trim() !== "");
  const questionIndex = turns.findLastIndex((message) => message.role === "user");
  const question = turns[questionIndex]?.content ?? "";
  const before = turns.slice(0, Math.max(questionIndex, 0));
  if (before.length === 0) return question;
  const label = { system: "Instructions", user: "User", assistant: "Assistant" } as const;
  const transcript = before.map((message) => `${label[message.role]}: ${message.content}`).join("\n\n");
  return `${transcript}\n\nUser: ${question}`;
}

/**
 * A Dify chat app (its chat-messages API, streaming) behind the {@link ModelProvider} port:
 * `message` and `agent_message` text, `message_end` with the usage, `error` events and HTTP errors
 * as `ProviderError`s whose messages never repeat Dify's text; pings and workflow events pass by.
 * A cancelled answer is also stopped on Dify's side (its stop endpoint), so the app stops spending.
 *
 * @example
 * const provider = new DifyProvider({ apiKey: "app-…", baseURL: "https://api.dify.ai/v1", user: "chat-system" });
 */
export class DifyProvider implements ModelProvider {
  readonly id: string;
  private readonly fetch: typeof fetch;
  private readonly baseURL: string;

  constructor(private readonly options: DifyProviderOptions) {
    this.id = options.id ?? "dify";
    this.fetch = options.fetch ?? fetch;
    this.baseURL = options.baseURL.replace(/\/+$/, "");
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    if (request.signal.aborted) throw request.signal.reason;
    const query = toDifyQuery(request.messages);
    if (!query)
      throw new ProviderError(this.id, "bad_request", "The conversation has no user message for Dify");
    let taskId: string | undefined;
    try {
      const images = request.messages.findLast((message) => message.role === "user")?.images ?? [];
      const files = await this.upload(images, request.signal);
      const response = await this.fetch(`${this.baseURL}/chat-messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          inputs: {},
          query,
          response_mode: "streaming",
          user: this.options.user,
          auto_generate_name: false,
          ...(files.length > 0 ? { files } : {}),
        }),
        signal: request.signal,
      });
      if (!response.ok) throw await this.refusal(response);
      if (!response.body) throw new ProviderError(this.id, "malformed", `${this.id} answered without a body`);
      const events = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream({ onError: "terminate" }));
      const reader = events.getReader();
      let usage: ProviderUsage | null = null;
      let ended = false;
      while (!ended) {
        const { done, value: message } = await reader.read();
        if (done) break;
        const event = this.parse(message.data);
        taskId ??= typeof event.task_id === "string" ? event.task_id : undefined;
        switch (event.event) {
          case "message":
          case "agent_message":
            if (typeof event.answer !== "string") throw this.malformed(`a ${event.event} without an answer`);
            if (event.answer) yield { type: "text-delta", text: event.answer };
            break;
          case "message_end":
            usage = this.usageOf(event.metadata);
            ended = true;
            break;
          case "error":
            throw this.streamError(event);
        }
      }
      // What Dify still sends after message_end (a TTS tail) is not ours to read.
      if (ended) void reader.cancel().catch(() => {});
      if (request.signal.aborted) throw request.signal.reason;
      if (!ended)
        throw new ProviderError(this.id, "connection", `${this.id}'s stream ended without message_end`);
      yield { type: "finish", finishReason: "stop", usage };
    } catch (error) {
      if (request.signal.aborted) {
        if (taskId) this.stop(taskId);
        throw request.signal.reason;
      }
      throw this.providerErrorOf(error);
    }
  }

  /**
   * Uploads the question's images to Dify (`POST /files/upload`, for the same end user) and
   * answers the `files` of the chat message that name them: Dify takes images only this way or as
   * URLs it fetches itself, and no URL of ours is reachable from Dify.
   */
  private async upload(
    images: ModelImage[],
    signal: AbortSignal,
  ): Promise<Array<{ type: "image"; transfer_method: "local_file"; upload_file_id: string }>> {
    const files = [];
    for (const [index, image] of images.entries()) {
      const form = new FormData();
      const extension = image.mediaType.slice("image/".length).replace("jpeg", "jpg");
      form.append(
        "file",
        new Blob([Buffer.from(image.data, "base64")], { type: image.mediaType }),
        `image-${index + 1}.${extension}`,
      );
      form.append("user", this.options.user);
      const response = await this.fetch(`${this.baseURL}/files/upload`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.apiKey}` },
        body: form,
        signal,
      });
      if (!response.ok) throw await this.refusal(response);
      const uploaded: unknown = await response.json().catch(() => null);
      if (!isRecord(uploaded) || typeof uploaded.id !== "string") {
        throw this.malformed("an upload answer without an id");
      }
      files.push({
        type: "image" as const,
        transfer_method: "local_file" as const,
        upload_file_id: uploaded.id,
      });
    }
    return files;
  }

  /** Asks Dify to stop a task whose reader went away; nobody waits for the answer. */
  private stop(taskId: string): void {
    void this.fetch(`${this.baseURL}/chat-messages/${encodeURIComponent(taskId)}/stop`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ user: this.options.user }),
    }).catch(() => {});
  }

  private parse(data: string): Record<string, unknown> {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch (error) {
      throw new ProviderError(this.id, "malformed", `${this.id} sent an event that is not JSON`, {
        cause: error,
      });
    }
    if (!isRecord(event) || typeof event.event !== "string") throw this.malformed("an event without a type");
    return event;
  }

  private usageOf(metadata: unknown): ProviderUsage | null {
    const usage = isRecord(metadata) ? metadata.usage : undefined;
    if (usage === undefined) return null;
    if (
      !isRecord(usage) ||
      typeof usage.prompt_tokens !== "number" ||
      typeof usage.completion_tokens !== "number"
    ) {
      throw this.malformed("a message_end with unreadable usage");
    }
    return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  }

  /** An `error` event: Dify puts the HTTP status it would have answered in `status`. */
  private streamError(event: Record<string, unknown>): ProviderError {
    const code = safeName(event.code);
    const status = typeof event.status === "number" ? event.status : undefined;
    const kind = (code ? difyErrorKinds[code] : undefined) ?? (status ? kindOfStatus(status) : "server");
    return new ProviderError(
      this.id,
      kind,
      `${this.id} sent an error in the stream${code ? ` (${code})` : ""}`,
      {
        status,
        cause: event,
      },
    );
  }

  private async refusal(response: Response): Promise<ProviderError> {
    const body: unknown = await response.json().catch(() => null);
    const code = isRecord(body) ? safeName(body.code) : undefined;
    const kind =
      (code && response.status < 500 ? difyErrorKinds[code] : undefined) ?? kindOfStatus(response.status);
    return new ProviderError(
      this.id,
      kind,
      `${this.id} answered ${response.status}${code ? ` (${code})` : ""}`,
      {
        status: response.status,
        retryAfterMs: retryAfterMsOf(response.headers),
        cause: body,
      },
    );
  }

  private malformed(what: string): ProviderError {
    return new ProviderError(this.id, "malformed", `${this.id} sent ${what}`);
  }

  private providerErrorOf(error: unknown): ProviderError {
    if (ProviderError.isInstance(error)) return error;
    // Whatever else breaks is the connection: refused, reset, a body cut off mid-event.
    return new ProviderError(this.id, "connection", `The connection to ${this.id} broke off`, {
      cause: error,
    });
  }
}
