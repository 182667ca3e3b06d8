import { timingSafeEqual } from "node:crypto";
import { AppError } from "@chat/contracts";
import { renderMetrics } from "@chat/metrics";
import { Elysia } from "elysia";

function sha256(text: string): Buffer {
  return new Bun.CryptoHasher("sha256").update(text).digest() as Buffer;
}

/**
 * `GET /metrics` (Prometheus text format) on the gateway's public port, for a scraper that sends
 * `Authorization: Bearer <METRICS_TOKEN>`; without the setting the route does not exist. The other
 * services serve /metrics on their internal ports without a token.
 */
export function metricsRoute(token: string | undefined) {
  const route = new Elysia({ name: "metrics-route" });
  if (!token) return route;
  const expected = sha256(token);
  return route.get(
    "/metrics",
    async ({ headers }) => {
      const presented = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? "";
      // Compared as digests: equal lengths, so the comparison takes the same time for every guess.
      if (!timingSafeEqual(sha256(presented), expected)) {
        throw new AppError("UNAUTHORIZED", "Send METRICS_TOKEN as a Bearer token", { retryable: false });
      }
      const { body, contentType } = await renderMetrics();
      return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
    },
    { detail: { hide: true } },
  );
}
