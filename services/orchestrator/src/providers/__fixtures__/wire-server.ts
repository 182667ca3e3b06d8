/** One HTTP request as a wire server received it. */
export type ReceivedRequest = {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
};

/** A frame that resets the connection mid-stream instead of sending bytes. */
export const dropConnection = Symbol("drop connection");
export type WireFrame = string | typeof dropConnection;

/** A refusal: the status, its retry headers, and the body (by default the provider's error body for the status). */
export type HttpErrorScenario = {
  kind: "http_error";
  status: number;
  /** The `retry-after` header: seconds or an HTTP date. */
  retryAfter?: string;
  /** The `retry-after-ms` header. */
  retryAfterMs?: string;
  /** Defaults to the provider's error body for the status. */
  body?: unknown;
};

/** Resets the connection after a pause: a reset discards what the client has received but not yet read. */
export async function* droppedConnection(): AsyncGenerator<WireFrame> {
  await Bun.sleep(50);
  yield dropConnection;
}

/** The pieces of a streamed text, each after its pause: `firstTokenDelayMs` before the first, `chunkDelayMs` before the rest. */
export async function* pacedPieces(
  pieces: string[],
  chunkDelayMs: number,
  firstTokenDelayMs: number,
): AsyncGenerator<string> {
  for (const [index, piece] of pieces.entries()) {
    const delay = index === 0 ? firstTokenDelayMs : chunkDelayMs;
    if (delay > 0) await Bun.sleep(delay);
    yield piece;
  }
}

/** Sets the `retry-after` and `retry-after-ms` headers a refusal names. */
function setRetryHeaders(headers: Headers, refusal: { retryAfter?: string; retryAfterMs?: string }): void {
  if (refusal.retryAfter !== undefined) headers.set("retry-after", refusal.retryAfter);
  if (refusal.retryAfterMs !== undefined) headers.set("retry-after-ms", refusal.retryAfterMs);
}

/** A refusal as JSON: its status, `body` (the scenario's own when it names one), the retry headers. */
export function jsonRefusal(
  scenario: Omit<HttpErrorScenario, "kind">,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const responseHeaders = new Headers({ "content-type": "application/json", ...headers });
  setRetryHeaders(responseHeaders, scenario);
  return new Response(JSON.stringify(scenario.body ?? body), {
    status: scenario.status,
    headers: responseHeaders,
  });
}

/** A local stand-in for a provider's streaming endpoint, answering one queued scenario per request. */
export type WireServer<Scenario> = {
  /** The base URL to give the SDK. */
  readonly url: string;
  /** Queues answers for the next requests, in order; an empty queue answers with a normal stream. */
  enqueue(...scenarios: Scenario[]): void;
  /** Every request received, oldest first. */
  readonly requests: ReceivedRequest[];
  /** How many streams the client closed before the server finished them. */
  readonly abortedRequests: number;
  /** Resolves once `abortedRequests` has reached `count`. */
  waitForAborts(count: number): Promise<void>;
  stop(): Promise<void>;
};

/** What is particular to one provider's protocol; the server does the rest. */
export type WireProtocol<Scenario> = {
  /** Where the SDK sends its requests: the path ends with this. */
  endpoint: string;
  /** Appended to the origin to make the base URL the SDK wants. */
  basePath: string;
  requestIdHeader: string;
  /** The scenario of a request when nothing is queued. */
  defaultScenario: Scenario;
  /** An HTTP error answer for `scenario`, or null when it streams. */
  refusal(scenario: Scenario | { status: number }, request: Request, requestId: string): Response | null;
  /**
   * The 400 the real API answers to a body its documentation does not allow (a content part of an
   * unknown shape, an image that is not base64 of an accepted type), or null for a valid body.
   */
  badRequest?(body: unknown, requestId: string): Response | null;
  /**
   * A second endpoint of the API (Dify's file upload), answered before the body is read; the
   * request is recorded with what `answer` says it held.
   */
  sideEndpoint?: {
    path: string;
    answer(request: Request): Promise<{ received: unknown; response: Response }>;
  };
  /** The stream of a scenario that streams. */
  frames(scenario: Scenario, body: unknown, requestNumber: number): AsyncGenerator<WireFrame>;
};

/**
 * Starts a local HTTP server speaking `protocol`: records every request, answers the queued
 * scenarios in order, streams frames as server-sent events, and counts the streams the client
 * aborted (so a cancel test can prove the upstream request was really closed).
 */
export function startWireServer<Scenario>(protocol: WireProtocol<Scenario>): WireServer<Scenario> {
  const queue: Scenario[] = [];
  const requests: ReceivedRequest[] = [];
  const abortWaiters = new Set<{ count: number; resolve: () => void }>();
  let abortedRequests = 0;

  const recordAbort = () => {
    abortedRequests++;
    for (const waiter of abortWaiters) {
      if (abortedRequests >= waiter.count) {
        abortWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Development mode prints a stack trace for every `drop`, which is a deliberate stream error.
    development: false,
    // A slow first token must not be cut by Bun's 10-second idle timeout.
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const side = protocol.sideEndpoint;
      if (side && request.method === "POST" && url.pathname.endsWith(side.path)) {
        const { received, response } = await side.answer(request);
        requests.push({
          method: request.method,
          path: url.pathname,
          headers: Object.fromEntries(request.headers.entries()),
          body: received,
        });
        return response;
      }
      const text = await request.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      requests.push({
        method: request.method,
        path: url.pathname,
        headers: Object.fromEntries(request.headers.entries()),
        body,
      });
      const requestNumber = requests.length;
      const requestId = `req_wire${String(requestNumber).padStart(6, "0")}`;

      if (request.method !== "POST" || !url.pathname.endsWith(protocol.endpoint)) {
        return protocol.refusal({ status: 404 }, request, requestId) as Response;
      }
      const badRequest = protocol.badRequest?.(body, requestId);
      if (badRequest) return badRequest;
      const scenario = queue.shift() ?? protocol.defaultScenario;
      const refusal = protocol.refusal(scenario, request, requestId);
      if (refusal) return refusal;

      const frames = protocol.frames(scenario, body, requestNumber);
      const encoder = new TextEncoder();
      let settled = false;
      const onClientGone = () => {
        if (settled) return;
        settled = true;
        recordAbort();
        void frames.return(undefined);
      };
      request.signal.addEventListener("abort", onClientGone, { once: true });
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await frames.next();
          if (settled) return;
          if (next.done) {
            settled = true;
            controller.close();
          } else if (next.value === dropConnection) {
            settled = true;
            controller.error(new Error("connection dropped by the wire server"));
          } else {
            controller.enqueue(encoder.encode(next.value));
          }
        },
        cancel: onClientGone,
      });
      return new Response(stream, {
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          [protocol.requestIdHeader]: requestId,
        },
      });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}${protocol.basePath}`,
    enqueue: (...scenarios) => {
      queue.push(...scenarios);
    },
    requests,
    get abortedRequests() {
      return abortedRequests;
    },
    waitForAborts: (count) =>
      abortedRequests >= count
        ? Promise.resolve()
        : new Promise((resolve) => {
            abortWaiters.add({ count, resolve });
          }),
    stop: () => server.stop(true),
  };
}
