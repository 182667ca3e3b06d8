import { textPieces } from "./anthropic-wire-server.ts";
import { openAIContentProblem } from "./content-checks.ts";
import type { HttpErrorScenario, WireFrame, WireServer } from "./wire-server.ts";
import { droppedConnection, jsonRefusal, pacedPieces, startWireServer } from "./wire-server.ts";

/** Token counts the server reports; unset ones are derived from the request and the text. */
export type OpenAIWireUsage = { promptTokens?: number; completionTokens?: number };

type StreamTiming = {
  chunkDelayMs?: number;
  /** Interleave OpenRouter's `: OPENROUTER PROCESSING` comment lines; defaults to the server's setting. */
  keepAlive?: boolean;
};

/** How the server answers one request. Streamed text goes out in realistic pieces of a few characters. */
export type OpenAIWireScenario =
  | (StreamTiming & {
      kind: "stream";
      /** Defaults to {@link openAIWireDefaultText}. */
      text?: string;
      /** A pause after the role chunk, before the first text chunk. */
      firstTokenDelayMs?: number;
      usage?: OpenAIWireUsage;
      finishReason?: "stop" | "length" | "content_filter";
      /** Set false to act like a server that ignores `stream_options.include_usage`. */
      sendUsage?: boolean;
    })
  /** Refused with OpenAI's error body for the status, unless it names one. */
  | HttpErrorScenario
  /** OpenRouter's mid-stream error: a chunk with a top-level `error` and `finish_reason: "error"`. */
  | (StreamTiming & { kind: "stream_error_event"; afterText: string; code?: number | string })
  /** Resets the connection mid-stream, without a finish chunk or `[DONE]`. */
  | (StreamTiming & { kind: "drop"; afterText: string })
  /** Ends the response cleanly with `[DONE]`, but no chunk ever carried a `finish_reason`. */
  | (StreamTiming & { kind: "truncate"; afterText: string })
  /** Sends one broken chunk, then finishes the completion normally. */
  | (StreamTiming & { kind: "malformed"; afterText: string; payload?: "not-json" | "wrong-shape" });

/**
 * A local stand-in for an OpenAI Chat Completions server (OpenAI, OpenRouter, Ollama, vLLM); its
 * `url` is the base URL to give the SDK, ending in `/v1` (it appends `/chat/completions`).
 */
export type OpenAIWireServer = WireServer<OpenAIWireScenario>;

/** What the server streams when a scenario names no text. */
export const openAIWireDefaultText =
  "Hello! I am a local stand-in for a chat completions model, streaming this answer in small pieces.";

const keepAliveComment = ": OPENROUTER PROCESSING\n\n";

function dataLine(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function maskedKey(authorization: string | null): string {
  const key = authorization?.replace(/^Bearer\s+/i, "") ?? "";
  return key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : "***";
}

function openAIErrorBody(status: number, request: Request): unknown {
  const error = (message: string, type: string, code: string | null) => ({
    error: { message, type, param: null, code },
  });
  switch (status) {
    case 400:
      return error("Invalid value for 'messages'.", "invalid_request_error", null);
    case 401:
      // Like OpenAI, this echoes part of the key the request carried.
      return error(
        `Incorrect API key provided: ${maskedKey(request.headers.get("authorization"))}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        "invalid_request_error",
        "invalid_api_key",
      );
    case 404:
      return error(
        "The model does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
      );
    case 429:
      return error("Rate limit reached for requests per min (RPM).", "requests", "rate_limit_exceeded");
    case 503:
      return error("The engine is currently overloaded, please try again later.", "server_error", null);
    default:
      return status >= 500
        ? error(
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            null,
          )
        : error("The request could not be processed.", "invalid_request_error", null);
  }
}

function errorResponse(
  scenario: Omit<HttpErrorScenario, "kind">,
  request: Request,
  requestId: string,
): Response {
  return jsonRefusal(scenario, openAIErrorBody(scenario.status, request), { "x-request-id": requestId });
}

async function* completionFrames(
  scenario: Exclude<OpenAIWireScenario, { kind: "http_error" }>,
  body: unknown,
  requestNumber: number,
  keepAliveByDefault: boolean,
): AsyncGenerator<WireFrame> {
  const text = scenario.kind === "stream" ? (scenario.text ?? openAIWireDefaultText) : scenario.afterText;
  const pieces = textPieces(text);
  const chunkDelayMs = scenario.chunkDelayMs ?? 0;
  const firstTokenDelayMs =
    scenario.kind === "stream" ? (scenario.firstTokenDelayMs ?? chunkDelayMs) : chunkDelayMs;
  const keepAlive = scenario.keepAlive ?? keepAliveByDefault;
  const request = (typeof body === "object" && body !== null ? body : {}) as {
    model?: unknown;
    messages?: unknown;
    stream_options?: { include_usage?: unknown };
  };
  const includeUsage = request.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: `chatcmpl-wire${String(requestNumber).padStart(6, "0")}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: typeof request.model === "string" ? request.model : "gpt-wire-test",
    system_fingerprint: "fp_wire",
    choices,
    ...(includeUsage && { usage: null }),
    ...extra,
  });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  if (keepAlive) yield keepAliveComment;
  yield dataLine(chunk([choice({ role: "assistant", content: "", refusal: null })]));
  for await (const piece of pacedPieces(pieces, chunkDelayMs, firstTokenDelayMs)) {
    yield dataLine(chunk([choice({ content: piece })]));
    if (keepAlive) yield keepAliveComment;
  }

  switch (scenario.kind) {
    case "stream_error_event":
      yield dataLine(
        chunk([choice({ content: "" }, "error")], {
          error: { code: scenario.code ?? "server_error", message: "Provider disconnected unexpectedly" },
        }),
      );
      return;
    case "drop":
      yield* droppedConnection();
      return;
    case "truncate":
      yield "data: [DONE]\n\n";
      return;
    case "malformed":
      yield scenario.payload === "wrong-shape"
        ? dataLine(chunk([choice({ content: 42 })]))
        : `data: {"id":"chatcmpl-wire","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ha\n\n`;
      break;
  }

  const finishReason = scenario.kind === "stream" ? (scenario.finishReason ?? "stop") : "stop";
  yield dataLine(chunk([choice({}, finishReason)]));
  const usage = scenario.kind === "stream" ? (scenario.usage ?? {}) : {};
  const sendUsage = scenario.kind === "stream" ? (scenario.sendUsage ?? true) : true;
  if (includeUsage && sendUsage) {
    const promptTokens =
      usage.promptTokens ?? Math.max(1, Math.ceil(JSON.stringify(request.messages ?? []).length / 4));
    const completionTokens = usage.completionTokens ?? pieces.length;
    yield dataLine(
      chunk([], {
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: {
            reasoning_tokens: 0,
            audio_tokens: 0,
            accepted_prediction_tokens: 0,
            rejected_prediction_tokens: 0,
          },
        },
      }),
    );
  }
  yield "data: [DONE]\n\n";
}

/**
 * Starts a local HTTP server that answers `POST .../chat/completions` the way OpenAI-compatible
 * servers stream, one queued scenario per request. With `keepAlive`, it interleaves OpenRouter's
 * `: OPENROUTER PROCESSING` comment lines.
 *
 * @example
 * const server = startOpenAIWireServer({ keepAlive: true });
 * server.enqueue({ kind: "http_error", status: 429, retryAfter: "2" });
 * const provider = new OpenAIChatProvider({ id: "openrouter", apiKey: "sk-or-test", baseURL: server.url });
 * // ... the first request fails with 429, the next one streams openAIWireDefaultText
 * await server.stop();
 */
export function startOpenAIWireServer(options: { keepAlive?: boolean } = {}): OpenAIWireServer {
  return startWireServer<OpenAIWireScenario>({
    endpoint: "/chat/completions",
    basePath: "/v1",
    requestIdHeader: "x-request-id",
    defaultScenario: { kind: "stream" },
    refusal: (scenario, request, requestId) =>
      "status" in scenario ? errorResponse(scenario, request, requestId) : null,
    badRequest: (body, requestId) => {
      const problem = openAIContentProblem(body);
      if (!problem) return null;
      const error = { message: problem, type: "invalid_request_error", param: "messages", code: null };
      return jsonRefusal({ status: 400, body: { error } }, {}, { "x-request-id": requestId });
    },
    frames: (scenario, body, requestNumber) =>
      completionFrames(
        scenario as Exclude<OpenAIWireScenario, { kind: "http_error" }>,
        body,
        requestNumber,
        options.keepAlive ?? false,
      ),
  });
}
