/**
 * OpenTelemetry's sampler names (`OTEL_TRACES_SAMPLER`): which new traces are recorded, and
 * whether a parent's decision (a caller's sampled flag, the producer's) is followed.
 */
export const samplerNames = [
  "parentbased_always_on",
  "parentbased_traceidratio",
  "parentbased_always_off",
  "always_on",
  "traceidratio",
  "always_off",
] as const;

export type SamplerName = (typeof samplerNames)[number];

/** What `startTracing` needs: the service's name and the OTLP settings of its configuration. */
export type TracingSettings = {
  /** `service.name` of every span: gateway, session, store, orchestrator, notifier, all-in-one. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces`. Unset = off. */
  endpoint?: string;
  /** OTEL_BSP_SCHEDULE_DELAY: milliseconds between two exports of the spans that ended. */
  exportDelayMs: number;
  /** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the ratio of the `traceidratio` ones). */
  sampler: { name: SamplerName; ratio: number };
  /** Told when an export fails (the collector is away): spans are dropped, the service goes on. */
  onExportError: (error: unknown) => void;
};

/** Tracing as started: `stop` exports what is left and unregisters nothing (the process is ending). */
export type Tracing = { readonly enabled: boolean; stop(): Promise<void> };
