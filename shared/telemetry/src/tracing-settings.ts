/** What `startTracing` needs: the service's name and the OTLP settings of its configuration. */
export type TracingSettings = {
  /** `service.name` of every span: gateway, session, store, orchestrator, notifier, all-in-one. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces`. Unset = off. */
  endpoint?: string;
  /** OTEL_BSP_SCHEDULE_DELAY: milliseconds between two exports of the spans that ended. */
  exportDelayMs: number;
  /** Told when an export fails (the collector is away): spans are dropped, the service goes on. */
  onExportError: (error: unknown) => void;
};

/** Tracing as started: `stop` exports what is left and unregisters nothing (the process is ending). */
export type Tracing = { readonly enabled: boolean; stop(): Promise<void> };
