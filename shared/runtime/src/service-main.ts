import { collectProcessMetrics } from "@chat/metrics";
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
 * unless the service serves HTTP itself, and stops it gracefully on SIGTERM/SIGINT.
 */
export async function runServiceMain<S extends TObject>(options: {
  name: string;
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
