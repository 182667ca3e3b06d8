import type { Tracing, TracingSettings } from "./tracing-settings.ts";

const off: Tracing = { enabled: false, stop: async () => {} };

/**
 * Registers the OpenTelemetry SDK for this process when an OTLP endpoint is set: a tracer provider
 * whose spans are batched and exported over OTLP/HTTP (JSON), the W3C trace-context propagator,
 * and an AsyncLocalStorage context manager. Without an endpoint nothing is loaded or registered,
 * the API stays a no-op, and no trace header is sent anywhere.
 *
 * @example
 * const tracing = await startTracing({ serviceName: "gateway", endpoint, exportDelayMs: 5_000, onExportError });
 * lifecycle.onStop("tracing", () => tracing.stop());
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.endpoint) return off;
  const { registerTracerProvider } = await import("./tracer-provider.ts");
  return registerTracerProvider({ ...settings, endpoint: settings.endpoint });
}
