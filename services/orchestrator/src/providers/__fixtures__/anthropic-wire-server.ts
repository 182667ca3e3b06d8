import { anthropicContentProblem } from "./content-checks.ts";
import type { HttpErrorScenario, WireFrame, WireServer } from "./wire-server.ts";
import { droppedConnection, jsonRefusal, pacedPieces, startWireServer } from "./wire-server.ts";

/** Token counts the server reports; unset ones are derived from the request and the text. */
export type AnthropicWireUsage = {
  inputTokens?: number;
  outputTokens?: number;
  cacheCreationInputTokens?: number;
  cacheReadInputTokens?: number;
};

/** How the server answers one request. Streamed text goes out in realistic pieces of a few characters. */
export type AnthropicWireScenario =
  | {
      kind: "stream";
      /** Defaults to {@link anthropicWireDefaultText}. */
      text?: string;
      chunkDelayMs?: number;
      /** A pause after `message_start`, before the first text delta. */
      firstTokenDelayMs?: number;
      usage?: AnthropicWireUsage;
      stopReason?: "end_turn" | "max_tokens" | "stop_sequence";
    }
  /** Refused with Anthropic's error body for the status, unless it names one. */
  | HttpErrorScenario
  | {
      kind: "stream_error_event";
      afterText: string;
      /** Defaults to `overloaded_error`. */
      errorType?: string;
      chunkDelayMs?: number;
    }
  /** Resets the connection mid-stream, without a final event. */
  | { kind: "drop"; afterText: string; chunkDelayMs?: number }
  /** Ends the response cleanly but early: no `message_delta`, no `message_stop`. */
  | { kind: "truncate"; afterText: string; chunkDelayMs?: number }
  /** Sends one broken `content_block_delta`, then finishes the message normally. */
  | { kind: "malformed"; afterText: string; payload?: "not-json" | "wrong-shape"; chunkDelayMs?: number };

/** A local stand-in for `api.anthropic.com` that speaks the Messages API's streaming wire format. */
/** A local stand-in for `api.anthropic.com`; its `url` is the base URL to give the SDK (it appends `/v1/messages`). */
export type AnthropicWireServer = WireServer<AnthropicWireScenario>;

/** What the server streams when a scenario names no text. */
export const anthropicWireDefaultText =
  "Hello! I am a local stand-in for Claude, streaming this answer in small pieces, as the real API does.";

const anthropicErrorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const anthropicErrorMessages: Record<string, string> = {
  invalid_request_error: "messages: at least one message is required",
  authentication_error: "invalid x-api-key",
  billing_error: "Your credit balance is too low to access the Anthropic API.",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "The requested resource could not be found.",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit",
  api_error: "Internal server error",
  timeout_error: "Request timed out",
  overloaded_error: "Overloaded",
};

/** Splits text the way model tokens fall: a few characters each, spaces leading the next word. */
export function textPieces(text: string): string[] {
  return text.match(/\s*\S{1,4}|\s+/gu) ?? [];
}

function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function estimatedInputTokens(body: unknown): number {
  const prompt = typeof body === "object" && body !== null ? body : {};
  const { system, messages } = prompt as { system?: unknown; messages?: unknown };
  return Math.max(1, Math.ceil(JSON.stringify({ system, messages }).length / 4));
}

async function* messageFrames(
  scenario: Exclude<AnthropicWireScenario, { kind: "http_error" }>,
  body: unknown,
  requestNumber: number,
): AsyncGenerator<WireFrame> {
  const text = scenario.kind === "stream" ? (scenario.text ?? anthropicWireDefaultText) : scenario.afterText;
  const pieces = textPieces(text);
  const chunkDelayMs = scenario.chunkDelayMs ?? 0;
  const firstTokenDelayMs =
    scenario.kind === "stream" ? (scenario.firstTokenDelayMs ?? chunkDelayMs) : chunkDelayMs;
  const usage = scenario.kind === "stream" ? (scenario.usage ?? {}) : {};
  const model = (body as { model?: unknown } | null)?.model;

  yield sseEvent("message_start", {
    type: "message_start",
    message: {
      id: `msg_wire${String(requestNumber).padStart(6, "0")}`,
      type: "message",
      role: "assistant",
      model: typeof model === "string" ? model : "claude-wire-test",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.inputTokens ?? estimatedInputTokens(body),
        cache_creation_input_tokens: usage.cacheCreationInputTokens ?? 0,
        cache_read_input_tokens: usage.cacheReadInputTokens ?? 0,
        output_tokens: 1,
        service_tier: "standard",
      },
    },
  });
  yield sseEvent("content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "text", text: "" },
  });
  yield sseEvent("ping", { type: "ping" });
  for await (const piece of pacedPieces(pieces, chunkDelayMs, firstTokenDelayMs)) {
    yield sseEvent("content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: piece },
    });
  }

  switch (scenario.kind) {
    case "stream_error_event": {
      const errorType = scenario.errorType ?? "overloaded_error";
      yield sseEvent("error", {
        type: "error",
        error: { type: errorType, message: anthropicErrorMessages[errorType] ?? "Error" },
      });
      return;
    }
    case "drop":
      yield* droppedConnection();
      return;
    case "truncate":
      return;
    case "malformed":
      yield scenario.payload === "wrong-shape"
        ? sseEvent("content_block_delta", {
            type: "content_block_delta",
            index: 0,
            delta: { type: "text_delta", text: 42 },
          })
        : 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n';
      break;
  }

  yield sseEvent("content_block_stop", { type: "content_block_stop", index: 0 });
  yield sseEvent("message_delta", {
    type: "message_delta",
    delta: {
      stop_reason: scenario.kind === "stream" ? (scenario.stopReason ?? "end_turn") : "end_turn",
      stop_sequence: null,
    },
    usage: { output_tokens: usage.outputTokens ?? pieces.length },
  });
  yield sseEvent("message_stop", { type: "message_stop" });
}

function errorResponse(scenario: Omit<HttpErrorScenario, "kind">, requestId: string): Response {
  const errorType =
    anthropicErrorTypes[scenario.status] ?? (scenario.status >= 500 ? "api_error" : "invalid_request_error");
  const body = {
    type: "error",
    error: { type: errorType, message: anthropicErrorMessages[errorType] },
    request_id: requestId,
  };
  return jsonRefusal(scenario, body, {
    "request-id": requestId,
    "x-should-retry": String(scenario.status === 408 || scenario.status === 429 || scenario.status >= 500),
  });
}

/**
 * Starts a local HTTP server that answers `POST /v1/messages` the way the Anthropic API streams,
 * one queued scenario per request.
 *
 * @example
 * const server = startAnthropicWireServer();
 * server.enqueue({ kind: "http_error", status: 529 });
 * const provider = new AnthropicProvider({ apiKey: "sk-ant-test", baseURL: server.url });
 * // ... the first request fails with 529, the next one streams anthropicWireDefaultText
 * await server.stop();
 */
export function startAnthropicWireServer(): AnthropicWireServer {
  return startWireServer<AnthropicWireScenario>({
    endpoint: "/v1/messages",
    basePath: "",
    requestIdHeader: "request-id",
    defaultScenario: { kind: "stream" },
    refusal: (scenario, _request, requestId) =>
      "status" in scenario ? errorResponse(scenario, requestId) : null,
    badRequest: (body, requestId) => {
      const problem = anthropicContentProblem(body);
      if (!problem) return null;
      const error = { type: "invalid_request_error", message: problem };
      return errorResponse({ status: 400, body: { type: "error", error, request_id: requestId } }, requestId);
    },
    frames: (scenario, body, requestNumber) =>
      messageFrames(scenario as Exclude<AnthropicWireScenario, { kind: "http_error" }>, body, requestNumber),
  });
}
