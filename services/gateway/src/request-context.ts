import { newId, traceparentFrom } from "@chat/runtime";
import { Elysia } from "elysia";
import type { Logger } from "pino";

/**
 * Gives every request a `requestId` (the caller's `x-request-id` or a new one, echoed back) and a
 * `traceparent` (continued from the caller's when valid), and writes one access-log line per
 * response with both, so a request can be followed across services.
 */
export function requestContext(logger: Logger) {
  return new Elysia({ name: "request-context" })
    .derive({ as: "global" }, ({ request, set }) => {
      const requestId = request.headers.get("x-request-id")?.slice(0, 100) || newId();
      set.headers["x-request-id"] = requestId;
      return {
        requestId,
        traceparent: traceparentFrom(request.headers.get("traceparent")),
        startedAt: performance.now(),
      };
    })
    .onAfterResponse({ as: "global" }, (context) => {
      const { request, set } = context;
      const { requestId, traceparent, startedAt } = context as unknown as {
        requestId?: string;
        traceparent?: string;
        startedAt?: number;
      };
      const path = new URL(request.url).pathname;
      if (path === "/healthz" || path === "/readyz") return;
      logger.info(
        {
          requestId,
          traceparent,
          method: request.method,
          path,
          status: typeof set.status === "number" ? set.status : 200,
          durationMs: startedAt === undefined ? undefined : Math.round(performance.now() - startedAt),
        },
        "request",
      );
    });
}

export type RequestContext = ReturnType<typeof requestContext>;
