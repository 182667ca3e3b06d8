import { collectProcessMetrics } from "@chat/metrics";
import { startTracing } from "@chat/telemetry";
import type { Static, TObject } from "@sinclair/typebox";
import type { Logger } from "pino";
import { type BaseConfig, ConfigError, loadConfig } from "./config.ts";
import { startHealthServer } from "./health-server.ts";
import { Lifecycle } from "./lifecycle.ts";
import { createLogger } from "./logger.ts";
import type { RunningService } from "./running-service.ts";

/**
 * Runs one service as its own process: reads and checks its configuration (exiting with the
 * variable's name when it is wrong), starts it, serves `/healthz`, `/readyz` and `/metrics` on PORT
 * unless the service serves HTTP itself, exports its spans when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * and stops it gracefully on SIGTERM/SIGINT.
 */
export async function runServiceMain<S extends TObject>(options: {
  name: string;
  /** The `service.name` of its spans, when it is not `name`. */
  tracedAs?: string;
  configSchema: S;
  servesHttp?: boolean;
  start: (
    config: Static<S> & BaseConfig & { PORT: number },
    logger: Logger,
    lifecycle: Lifecycle,
  ) => Promise<RunningService>;
}): Promise<void> {
  let config: Static<S> & BaseConfig & { PORT: number };
  try {
    config = loadConfig(options.configSchema, process.env) as Static<S> & BaseConfig & { PORT: number };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${options.name}: ${error.message}`);
    process.exit(1);
  }
  const logger = createLogger(options.name, config.LOG_LEVEL);
  collectProcessMetrics();
  const lifecycle = new Lifecycle(logger);
  lifecycle.handleSignals();
  const tracing = await startTracing({
    serviceName: options.tracedAs ?? options.name,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    exportDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
    sampler: { name: config.OTEL_TRACES_SAMPLER, ratio: config.OTEL_TRACES_SAMPLER_ARG },
    onExportError: (error) => logger.warn({ err: error }, "Could not export spans; they are dropped"),
  });
  // Registered first, so it stops last: the spans of the shutdown are exported too.
  lifecycle.onStop("tracing", () => tracing.stop());
  try {
    const service = await options.start(config, logger, lifecycle);
    lifecycle.onStop(options.name, () => service.stop());
    if (!options.servesHttp) {
      const server = startHealthServer({ port: config.PORT, service: options.name, checks: service.checks });
      lifecycle.onStop("health server", () => server.stop(true));
    }
    logger.info({ port: config.PORT }, `${options.name} started`);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${options.name}: ${error.message}`);
    } else {
      logger.fatal({ err: error }, `${options.name} failed to start`);
    }
    await lifecycle.stop();
    process.exit(1);
  }
}
