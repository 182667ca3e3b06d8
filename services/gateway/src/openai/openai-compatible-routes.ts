import {
  AppError,
  type ChatCompletion,
  type ChatCompletionChunk,
  ChatCompletionRequest,
  ChatCompletion as ChatCompletionSchema,
  type ChatCompletionUsage,
  type CompletionStreamMessage,
  modelCannotSeeImages,
  newEnvelope,
  type OpenAIErrorBody,
  OpenAIModelList,
  type Usage,
} from "@chat/contracts";
import { newId } from "@chat/runtime";
import { Elysia } from "elysia";
import type { ApiKeyAuthenticator } from "../auth/api-key-authenticator.ts";
import type { ModelCatalog } from "../chats/model-catalog.ts";
import { toOpenAIErrorBody } from "../http/error-renderer.ts";
import type { RequestContext } from "../http/request-context.ts";
import { checkConversationLength } from "../limits/message-length.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import { apiModels } from "./api-models.ts";
import type { CompletionRelay, CompletionRun } from "./completion-relay.ts";
import { type ImageUrlParts, textOf } from "./image-url-parts.ts";

type CompletionFinished = Extract<CompletionStreamMessage, { type: "completion_finished" }>;
type FinishReason = ChatCompletion["choices"][number]["finish_reason"];
/** What every chunk of one completion repeats. */
type CompletionIdentity = { id: string; created: number; model: string };

export type CompletionTimeouts = {
  /** From enqueueing to the first event: queueing, the provider's first token and its retries. */
  firstEventMs: number;
  /** Between two events once text flows. */
  idleMs: number;
};

/**
 * How long a started completion may go silent before the caller gets TIMEOUT. The orchestrator
 * ends a stalled provider stream itself (with an error) well before this; this only catches a
 * completion nobody works on any more, such as one dead-lettered after its orchestrator crashed.
 */
export const completionIdleTimeoutMs = 5 * 60_000;

const sseHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};
const encoder = new TextEncoder();

function openAIErrorOf(error: AppError): OpenAIErrorBody {
  return toOpenAIErrorBody(error.httpStatus, error.toBody());
}

function toOpenAIUsage(usage: Usage): ChatCompletionUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** stop and length pass through; an answer cut short otherwise is an error for the API. */
function toFinishReason(finished: CompletionFinished): FinishReason {
  if (finished.finishReason === "stop" || finished.finishReason === "length") return finished.finishReason;
  throw new AppError("GENERATION_FAILED", `The answer ended early (${finished.finishReason})`, {
    retryable: true,
  });
}

/** Waits for the end of a completion, skipping its chunks: `completion_finished` has the full text. */
async function collectCompletion(
  run: CompletionRun,
  identity: CompletionIdentity,
  timeouts: CompletionTimeouts,
): Promise<ChatCompletion> {
  try {
    let event = await run.next(timeouts.firstEventMs);
    while (event.type === "completion_chunk") event = await run.next(timeouts.idleMs);
    if (event.type === "completion_failed") throw AppError.fromSerialized(event.error);
    return {
      ...identity,
      // The model that answered: a fallback when the one asked for failed.
      model: event.model,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: event.content, refusal: null },
          logprobs: null,
          finish_reason: toFinishReason(event),
        },
      ],
      usage: toOpenAIUsage(event.usage),
    };
  } finally {
    // Not awaited: the answer need not wait for the unbinding. Cancelling a finished one is a no-op.
    void run.end({ cancel: true });
  }
}

/**
 * Streams a completion as OpenAI does. The first event is awaited before the response starts,
 * so a failure before any text answers a real HTTP status; a failure after it is sent as a
 * `data: {"error":...}` event, and the stream ends without `[DONE]`.
 */
async function streamCompletion(
  run: CompletionRun,
  identity: CompletionIdentity,
  options: { includeUsage: boolean; timeouts: CompletionTimeouts },
): Promise<Response> {
  let first: CompletionStreamMessage;
  try {
    first = await run.next(options.timeouts.firstEventMs);
    if (first.type === "completion_failed") throw AppError.fromSerialized(first.error);
    if (first.type === "completion_finished") toFinishReason(first);
  } catch (error) {
    await run.end({ cancel: true });
    throw error;
  }

  const base = { ...identity, object: "chat.completion.chunk" as const };
  const usageField = options.includeUsage ? { usage: null } : {};
  const chunk = (
    delta: ChatCompletionChunk["choices"][number]["delta"],
    finishReason: FinishReason | null = null,
  ): ChatCompletionChunk => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...usageField,
  });
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let sent = "";
  let ended = false;
  const send = (data: unknown) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`));
  const end = (failure: AppError | null) => {
    if (ended) return;
    ended = true;
    if (failure) send(openAIErrorOf(failure));
    else controller.enqueue(encoder.encode("data: [DONE]\n\n"));
    controller.close();
    void run.end({ cancel: failure !== null });
  };
  const relay = (event: CompletionStreamMessage) => {
    if (ended) return;
    if (event.type === "completion_chunk") {
      sent += event.content;
      send(chunk({ content: event.content }));
      return;
    }
    if (event.type === "completion_failed") return end(AppError.fromSerialized(event.error));
    let finishReason: FinishReason;
    try {
      finishReason = toFinishReason(event);
    } catch (error) {
      return end(AppError.from(error));
    }
    // Chunks lost on the way (or a restart that streamed other text) still end with the whole answer.
    const rest = event.content.startsWith(sent) ? event.content.slice(sent.length) : "";
    if (rest) send(chunk({ content: rest }));
    send(chunk({}, finishReason));
    if (options.includeUsage) send({ ...base, choices: [], usage: toOpenAIUsage(event.usage) });
    end(null);
  };

  return new Response(
    new ReadableStream<Uint8Array>({
      start(streamController) {
        controller = streamController;
        send(chunk({ role: "assistant", content: "" }));
        relay(first);
      },
      async pull() {
        if (ended) return;
        try {
          relay(await run.next(options.timeouts.idleMs));
        } catch (error) {
          end(AppError.from(error));
        }
      },
      cancel() {
        ended = true;
        void run.end({ cancel: true });
      },
    }),
    { headers: sseHeaders },
  );
}

/**
 * The OpenAI-compatible API under `/v1`, for OpenAI SDKs and tools: the model list and chat
 * completions, streamed or not. Callers authenticate with an API key (`POST /api/keys`), never a
 * session. Every error answers OpenAI's body, with this system's code in `error.code`.
 *
 * @example
 * const client = new OpenAI({ apiKey: "sk-chat-...", baseURL: "https://chat.example.com/v1" });
 */
export function openAICompatibleRoutes(dependencies: {
  requestContext: RequestContext;
  apiKeys: ApiKeyAuthenticator;
  models: ModelCatalog;
  completions: CompletionRelay;
  /** Turns the messages into model context, with their images. */
  imageUrls: Pick<ImageUrlParts, "toContextMessages">;
  timeouts: CompletionTimeouts;
  rateLimits: Pick<RateLimits, "takeGeneration">;
  /** MAX_MESSAGE_CHARS: what the request's messages may hold together. */
  maxMessageChars: number;
}) {
  const { apiKeys, models, completions, imageUrls, timeouts, rateLimits, maxMessageChars } = dependencies;
  const errors = {
    400: "OpenAIErrorBody",
    401: "OpenAIErrorBody",
    404: "OpenAIErrorBody",
    413: "OpenAIErrorBody",
    415: "OpenAIErrorBody",
    429: "OpenAIErrorBody",
    502: "OpenAIErrorBody",
    503: "OpenAIErrorBody",
    504: "OpenAIErrorBody",
  } as const;
  const security = [{ apiKey: [] }];

  const startCompletion = async (
    body: ChatCompletionRequest,
    userId: string,
    traceparent: string,
    request: Request,
  ) => {
    checkConversationLength(body.messages.map(textOf), maxMessageChars);
    // Before the images are decoded: a refused caller costs no image work.
    await rateLimits.takeGeneration(userId);
    const messages = await imageUrls.toContextMessages(body.messages, {
      userId,
      host: request.headers.get("host"),
      traceparent,
    });
    const model = await models.resolve(body.model, traceparent).catch((error: unknown) => {
      if (!AppError.isInstance(error) || error.code !== "MODEL_NOT_AVAILABLE") throw error;
      const message = `Model "${body.model}" is not available; see GET /v1/models`;
      throw new AppError("MODEL_NOT_AVAILABLE", message, { retryable: false });
    });
    const hasImages = messages.some((message) => message.images?.length || message.attachments?.length);
    if (hasImages && !model.vision) throw modelCannotSeeImages(model.id);
    const completionId = newId();
    const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const run = await completions.start({
      ...newEnvelope("completion_requested", "", { id: newId(), traceparent, now: new Date() }),
      userId,
      completionId,
      model: model.id,
      messages,
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(body.temperature == null ? {} : { temperature: body.temperature }),
      ...(body.top_p == null ? {} : { topP: body.top_p }),
    });
    // The client gave up: stop the model too, instead of paying for an answer nobody reads.
    request.signal.addEventListener("abort", () => void run.end({ cancel: true }), { once: true });
    const identity = {
      id: `chatcmpl-${completionId}`,
      created: Math.floor(Date.now() / 1000),
      model: model.id,
    };
    return { run, identity };
  };

  return (
    new Elysia({ name: "openai-compatible-routes", prefix: "/v1" })
      .use(apiModels)
      .use(dependencies.requestContext)
      // Errors are rendered in OpenAI's shape by the app's one error renderer (`renderError`).
      // derive, not resolve: the key is checked before the body is validated, as OpenAI does.
      .derive(async ({ headers, traceparent }) => ({
        user: await apiKeys.authenticate(headers, traceparent),
      }))
      .get(
        "/models",
        async ({ traceparent }) => {
          const { models: available } = await models.list(traceparent);
          return {
            object: "list" as const,
            data: available.map((model) => ({
              id: model.id,
              object: "model" as const,
              created: 0,
              owned_by: model.provider,
            })),
          };
        },
        {
          response: { 200: OpenAIModelList, 401: "OpenAIErrorBody", 503: "OpenAIErrorBody" },
          detail: { tags: ["openai-compatible"], summary: "The models (OpenAI's list format)", security },
        },
      )
      .post(
        "/chat/completions",
        ({ body, user, traceparent, request, server }): Promise<ChatCompletion> | Promise<Response> => {
          // The relay ends a silent completion itself (first text, then idle between chunks); the
          // server's idle timeout, which counts only bytes received, would cut a long answer.
          server?.timeout(request, 0);
          const started = startCompletion(body, user.id, traceparent, request);
          return body.stream
            ? started.then<Response>(({ run, identity }) =>
                streamCompletion(run, identity, {
                  includeUsage: body.stream_options?.include_usage === true,
                  timeouts,
                }),
              )
            : started.then<ChatCompletion>(({ run, identity }) => collectCompletion(run, identity, timeouts));
        },
        {
          body: ChatCompletionRequest,
          response: { 200: ChatCompletionSchema, ...errors },
          detail: {
            tags: ["openai-compatible"],
            summary: "Create a chat completion (OpenAI's format)",
            description:
              "Text and images in, one text answer out. Image parts (`image_url`) take a `data:` URL (PNG, JPEG, WebP, GIF; " +
              "checked and re-encoded like an upload, within COMPLETION_MAX_BODY_BYTES for the whole body) or the URL of an upload of the caller's on this server " +
              "(`/api/attachments/{id}/content`; another user's is 404 ATTACHMENT_NOT_FOUND); other URLs are 400, never fetched. " +
              "A model without vision answers 400 MODEL_CANNOT_SEE_IMAGES. With `stream: true` the answer is `text/event-stream` of " +
              "`data: <chat.completion.chunk>` events ending with `data: [DONE]`; with " +
              "`stream_options.include_usage` a last chunk with no choices carries the usage. An error before " +
              'the first chunk answers its HTTP status; after it, a `data: {"error":...}` event ends the stream. ' +
              "Errors carry this API's code in `error.code` (e.g. MODEL_NOT_AVAILABLE, RATE_LIMITED, TIMEOUT). " +
              "The messages together hold at most MAX_MESSAGE_CHARS characters (400 VALIDATION_FAILED); each completion " +
              "counts against GENERATIONS_PER_USER_PER_MINUTE, shared with messages sent in chats (429 RATE_LIMITED with Retry-After).",
            security,
          },
        },
      )
      .all(
        "/*",
        () => {
          throw new AppError("ROUTE_NOT_FOUND", "This OpenAI API route is not served here", {
            retryable: false,
          });
        },
        { detail: { hide: true } },
      )
  );
}
