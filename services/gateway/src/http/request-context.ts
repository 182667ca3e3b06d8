import { counter, histogram, latencyBuckets } from "@chat/metrics";
import { newId } from "@chat/runtime";
import { Elysia } from "elysia";
import type { Logger } from "pino";
import { endRequestSpan, probePaths, requestTraceparent, startRequestSpan } from "./request-spans.ts";
import { requestPath, requestUrl } from "./request-url.ts";

/**
 * Where a request came from. Behind a trusted reverse proxy (`trustProxy`), the address the proxy
 * appended last to `X-Forwarded-For` and its `X-Forwarded-Proto`; otherwise the socket's.
 */
export function requestOrigin(
  request: Request,
  socketAddress: string | undefined,
  trustProxy: boolean,
): { clientAddress: string; overTls: boolean } {
  const forwardedFor = trustProxy ? request.headers.get("x-forwarded-for") : null;
  const proxied = forwardedFor?.split(",").at(-1)?.trim();
  const forwardedProto = trustProxy
    ? request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim()
    : undefined;
  return {
    clientAddress: proxied || socketAddress || "unknown",
    overTls: forwardedProto ? forwardedProto === "https" : requestUrl(request)?.protocol === "https:",
  };
}

const requests = counter(
  "chat_http_requests_total",
  "HTTP requests the gateway answered, by method, route pattern and status",
  ["method", "route", "status"],
);
const requestDurations = histogram(
  "chat_http_request_duration_seconds",
  "Time to the end of the gateway's answer (for a stream: to when it closed), by method and route pattern",
  ["method", "route"],
  latencyBuckets,
);

/**
 * Gives every request a `requestId` (the caller's `x-request-id` or a new one, echoed back), a
 * `traceparent` (continued from the caller's when valid), the client's address and whether it came
 * over TLS (see `requestOrigin`), and writes one access-log line per response, so a request can be
 * followed across services; counts and times every response by route pattern for /metrics, and,
 * when tracing, makes each request a server span whose context is that `traceparent`.
 */
export function requestContext(logger: Logger, options: { trustProxy: boolean }) {
  return new Elysia({ name: "request-context" })
    .derive({ as: "global" }, ({ request, set, server }) => {
      // Echoed in a header and logged: only a plain token is taken from the caller.
      const offered = request.headers.get("x-request-id");
      const requestId = offered && /^[\w.:-]{1,100}$/.test(offered) ? offered : newId();
      set.headers["x-request-id"] = requestId;
      const requestSpan = startRequestSpan(request, requestPath(request));
      return {
        requestId,
        requestSpan,
        traceparent: requestTraceparent(requestSpan, request),
        startedAt: performance.now(),
        ...requestOrigin(request, server?.requestIP(request)?.address, options.trustProxy),
      };
    })
    .onAfterResponse({ as: "global" }, (context) => {
      const { request, set } = context;
      const { requestId, traceparent, startedAt, requestSpan } = context as unknown as {
        requestId?: string;
        traceparent?: string;
        startedAt?: number;
        requestSpan?: Parameters<typeof endRequestSpan>[0];
      };
      const status = typeof set.status === "number" ? set.status : 200;
      const durationMs = startedAt === undefined ? undefined : performance.now() - startedAt;
      // The pattern (`/api/chats/:id`), not the path: one series per route, not per chat.
      const route = (context as { route?: string }).route || "unmatched";
      requests.inc({ method: request.method, route, status });
      if (durationMs !== undefined)
        requestDurations.observe({ method: request.method, route }, durationMs / 1_000);
      endRequestSpan(requestSpan, request.method, route, status);
      const path = requestPath(request);
      if (probePaths.has(path)) return;
      logger.info(
        {
          requestId,
          traceparent,
          method: request.method,
          path,
          status,
          durationMs: durationMs === undefined ? undefined : Math.round(durationMs),
        },
        "request",
      );
    });
}

export type RequestContext = ReturnType<typeof requestContext>;
