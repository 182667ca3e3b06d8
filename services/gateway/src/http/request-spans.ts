import { traceparentFrom } from "@chat/runtime";
import {
  contextFromHeaders,
  contextFromTraceparent,
  inSpan,
  isTracing,
  markFailed,
  type Span,
  SpanKind,
  traceparentOf,
  tracer,
} from "@chat/telemetry";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from "@opentelemetry/semantic-conventions";

/** Probes, asked every few seconds (`/health`: the Go Chat compatible one): neither logged nor traced. */
export const probePaths: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/health"]);

/**
 * The server span of one HTTP request, continuing the caller's `traceparent` when it sent a valid
 * one; undefined when tracing is off, and for the health probes. Its attributes hold the path,
 * never the query (a stream ticket may be in it).
 */
export function startRequestSpan(request: Request, path: string): Span | undefined {
  if (!isTracing() || probePaths.has(path)) return undefined;
  const parent = contextFromHeaders({
    traceparent: request.headers.get("traceparent") ?? undefined,
    tracestate: request.headers.get("tracestate") ?? undefined,
  });
  return tracer.startSpan(
    request.method,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: path },
    },
    parent,
  );
}

/**
 * The request's trace context, which every bus message it sends carries: the server span's when
 * tracing, otherwise one continuing the caller's trace id (for the logs).
 */
export function requestTraceparent(span: Span | undefined, request: Request): string {
  return (span && traceparentOf(span)) ?? traceparentFrom(request.headers.get("traceparent"));
}

/** Ends a request's span, named by its route pattern (`POST /api/chats/:id/messages`). */
export function endRequestSpan(span: Span | undefined, method: string, route: string, status: number): void {
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) markFailed(span, { code: String(status), message: `HTTP ${status}` });
  span.end();
}

/**
 * Runs one WebSocket frame inside a server span (`websocket chat_message`), a child of the
 * connection's upgrade request; `work` gets the frame's trace context to send with its commands.
 * With tracing off, the frame gets a context of the connection's trace id as before.
 */
export function inFrameSpan<T>(
  frameType: string,
  connectionTraceparent: string,
  work: (traceparent: string) => Promise<T>,
): Promise<T> {
  if (!isTracing()) return work(traceparentFrom(connectionTraceparent));
  return inSpan(
    `websocket ${frameType}`,
    { kind: SpanKind.SERVER, parent: contextFromTraceparent(connectionTraceparent) },
    (span) => work(traceparentOf(span) ?? traceparentFrom(connectionTraceparent)),
  );
}
