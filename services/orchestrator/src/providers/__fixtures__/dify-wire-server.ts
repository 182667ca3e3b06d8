import { textPieces } from "./anthropic-wire-server.ts";
import type { HttpErrorScenario, WireFrame, WireServer } from "./wire-server.ts";
import { droppedConnection, jsonRefusal, pacedPieces, startWireServer } from "./wire-server.ts";

/** How the server answers one request. Streamed text goes out in realistic pieces of a few characters. */
export type DifyWireScenario =
  | {
      kind: "stream";
      /** Defaults to {@link difyWireDefaultText}. */
      text?: string;
      chunkDelayMs?: number;
      firstTokenDelayMs?: number;
      usage?: { promptTokens: number; completionTokens: number };
      /** An agent app streams `agent_message` events instead of `message`. */
      agent?: boolean;
    }
  /** Refused with Dify's error body for the status, unless it names one. */
  | HttpErrorScenario
  /** An `error` event after some text (Dify reports failures inside a 200 stream this way). */
  | { kind: "stream_error_event"; afterText: string; status: number; code: string }
  | { kind: "drop"; afterText: string; chunkDelayMs?: number }
  /** Ends the response cleanly but early: no `message_end`. */
  | { kind: "truncate"; afterText: string }
  | { kind: "malformed"; afterText: string; payload?: "not-json" | "wrong-shape" };

export type DifyWireServer = WireServer<DifyWireScenario>;

export const difyWireDefaultText =
  "Hello! I am a local stand-in for a Dify chat app, streaming this answer in small pieces.";

const difyErrorCodes: Record<number, string> = {
  400: "invalid_param",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "file_too_large",
  415: "unsupported_file_type",
  429: "too_many_requests",
  500: "internal_server_error",
  503: "service_unavailable",
};

/** What Dify takes as an image file (its docs: JPG, JPEG, PNG, GIF, WEBP, SVG). */
const difyImageExtensions = new Set(["jpg", "jpeg", "png", "gif", "webp", "svg"]);

const data = (event: Record<string, unknown>) => `data: ${JSON.stringify(event)}\n\n`;

async function* chatFrames(
  scenario: Exclude<DifyWireScenario, { kind: "http_error" }>,
  requestNumber: number,
): AsyncGenerator<WireFrame> {
  const ids = {
    task_id: `task-${requestNumber}`,
    id: `message-${requestNumber}`,
    message_id: `message-${requestNumber}`,
    conversation_id: `conversation-${requestNumber}`,
  };
  const createdAt = Math.floor(Date.now() / 1000);
  const text = scenario.kind === "stream" ? (scenario.text ?? difyWireDefaultText) : scenario.afterText;
  const chunkDelayMs = "chunkDelayMs" in scenario ? (scenario.chunkDelayMs ?? 0) : 0;
  const firstTokenDelayMs =
    scenario.kind === "stream" ? (scenario.firstTokenDelayMs ?? chunkDelayMs) : chunkDelayMs;
  const event = scenario.kind === "stream" && scenario.agent ? "agent_message" : "message";

  // An advanced-chat app opens with workflow events; the reader passes them by.
  yield data({ event: "workflow_started", ...ids, workflow_run_id: `run-${requestNumber}`, data: {} });
  yield "event: ping\n\n";
  for await (const piece of pacedPieces(textPieces(text), chunkDelayMs, firstTokenDelayMs)) {
    yield data({ event, ...ids, answer: piece, created_at: createdAt });
  }
  switch (scenario.kind) {
    case "stream_error_event":
      yield data({
        event: "error",
        ...ids,
        status: scenario.status,
        code: scenario.code,
        message: "Something broke",
      });
      return;
    case "drop":
      yield* droppedConnection();
      return;
    case "truncate":
      return;
    case "malformed":
      yield scenario.payload === "wrong-shape"
        ? data({ event: "message", ...ids, answer: 42 })
        : 'data: {"event": "message", "answer": "unfinished\n\n';
      break;
  }
  yield data({ event: "workflow_finished", ...ids, data: { status: "succeeded" } });
  const usage = scenario.kind === "stream" ? scenario.usage : undefined;
  yield data({
    event: "message_end",
    ...ids,
    metadata: {
      usage: {
        prompt_tokens: usage?.promptTokens ?? 12,
        completion_tokens: usage?.completionTokens ?? textPieces(text).length,
        total_tokens: (usage?.promptTokens ?? 12) + (usage?.completionTokens ?? textPieces(text).length),
        currency: "USD",
        latency: 0.42,
      },
      retriever_resources: [],
    },
  });
}

function errorResponse(scenario: Omit<HttpErrorScenario, "kind">): Response {
  const code =
    difyErrorCodes[scenario.status] ?? (scenario.status >= 500 ? "internal_server_error" : "invalid_param");
  return jsonRefusal(scenario, { code, message: "The request was refused", status: scenario.status });
}

/**
 * Starts a local HTTP server that answers `POST /v1/chat-messages` the way Dify streams a chat app's
 * answer (`data:` events with an `event` field, `event: ping` lines, `message_end` with usage), one
 * queued scenario per request. Its `url` is the base URL to give the provider (`…/v1`).
 *
 * @example
 * const server = startDifyWireServer();
 * server.enqueue({ kind: "http_error", status: 429, retryAfter: "3" });
 */
export function startDifyWireServer(): DifyWireServer {
  // Uploaded file ids, by the end user they belong to: a message may name only its user's files.
  const uploads = new Map<string, string>();
  return startWireServer<DifyWireScenario>({
    endpoint: "/v1/chat-messages",
    basePath: "/v1",
    requestIdHeader: "x-request-id",
    defaultScenario: { kind: "stream" },
    sideEndpoint: {
      path: "/v1/files/upload",
      answer: async (request) => {
        const form = await request.formData().catch(() => null);
        const file = form?.get("file");
        const user = form?.get("user");
        if (!(file instanceof File) || typeof user !== "string" || user === "") {
          return { received: null, response: errorResponse({ status: 400 }) };
        }
        const received = { name: file.name, type: file.type, size: file.size, user };
        const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
        if (!difyImageExtensions.has(extension) || file.size === 0) {
          return { received, response: errorResponse({ status: 415 }) };
        }
        const id = `file-${crypto.randomUUID()}`;
        uploads.set(id, user);
        const record = {
          id,
          name: file.name,
          size: file.size,
          extension,
          mime_type: file.type,
          created_by: user,
          created_at: Math.floor(Date.now() / 1000),
        };
        return { received, response: Response.json(record, { status: 201 }) };
      },
    },
    badRequest: (body) => {
      const files = (body as { files?: unknown; user?: unknown } | null)?.files;
      if (files === undefined) return null;
      const user = (body as { user?: unknown }).user;
      const valid =
        Array.isArray(files) &&
        files.every(
          (file) =>
            file?.type === "image" &&
            file.transfer_method === "local_file" &&
            uploads.get(file.upload_file_id) === user,
        );
      return valid ? null : errorResponse({ status: 400 });
    },
    refusal: (scenario) =>
      !("kind" in scenario) || scenario.kind === "http_error" ? errorResponse(scenario) : null,
    frames: (scenario, _body, requestNumber) =>
      chatFrames(scenario as Exclude<DifyWireScenario, { kind: "http_error" }>, requestNumber),
  });
}
