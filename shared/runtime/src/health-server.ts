import type { HealthReport } from "@chat/contracts";
import { renderMetrics } from "@chat/metrics";

export type ReadinessChecks = Record<string, () => Promise<boolean>>;

/** Runs every readiness check; a check that throws or takes over 2 s counts as failed. */
export async function checkReadiness(service: string, checks: ReadinessChecks): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref());
      const ok = await Promise.race([check().catch(() => false), timeout]);
      return [name, ok] as const;
    }),
  );
  const results = Object.fromEntries(entries);
  return { status: entries.every(([, ok]) => ok) ? "ok" : "unavailable", service, checks: results };
}

/**
 * The HTTP server of a service that has no API of its own: `/healthz` (alive), `/readyz` (every
 * dependency answers) and `/metrics` (Prometheus). It listens on the service's internal port.
 */
export function startHealthServer(options: { port: number; service: string; checks: ReadinessChecks }) {
  return Bun.serve({
    port: options.port,
    async fetch(request) {
      // With a malformed Host, Bun's request.url is the bare path, which `new URL` alone throws on.
      const pathname = URL.parse(request.url, "http://host.invalid")?.pathname;
      if (pathname === "/healthz")
        return Response.json({ status: "ok", service: options.service, checks: {} });
      if (pathname === "/readyz") {
        const report = await checkReadiness(options.service, options.checks);
        return Response.json(report, { status: report.status === "ok" ? 200 : 503 });
      }
      if (pathname === "/metrics") {
        const { body, contentType } = await renderMetrics();
        return new Response(body, { headers: { "content-type": contentType } });
      }
      return Response.json({ error: { code: "ROUTE_NOT_FOUND", message: "Not found" } }, { status: 404 });
    },
  });
}
