import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceProcess } from "./service-process.ts";

/**
 * Limits far above what any test sends, so that abuse limits never answer in place of the
 * behaviour under test (rate-limit tests set their own).
 */
export const generousLimits: Record<string, string> = {
  RATE_LIMIT_IP_PER_MINUTE: "1000000",
  RATE_LIMIT_USER_PER_MINUTE: "1000000",
  RATE_LIMIT_AUTH_PER_MINUTE: "1000000",
  RATE_LIMIT_ACCOUNT_PER_MINUTE: "1000000",
  RATE_LIMIT_WS_FRAMES_PER_MINUTE: "1000000",
  GENERATIONS_PER_USER_PER_MINUTE: "1000000",
  MAX_STREAMS_PER_USER: "10000",
};

/** A running embedded server (all services in one process) and the settings it was given. */
export type EmbeddedServer = {
  process: ServiceProcess;
  baseUrl: string;
  jwtSecret: string;
  /** Where its SQLite database and other files are. */
  dataDirectory: string;
  environment: Record<string, string>;
  /** Stops the process and starts it again on the same port, settings and data directory. */
  restart(): Promise<void>;
  /** Stops the process (throwing if its output leaked a secret), removes its data, and gives its exit code. */
  stop(): Promise<number>;
};

/** How `startEmbeddedServer` sets the server up, besides its environment. */
export type EmbeddedServerOptions = {
  /**
   * `generousLimits` (the default) so that abuse limits never answer in place of the behaviour
   * under test; false keeps the configured defaults, for tests of the limits themselves.
   */
  generousLimits?: boolean;
  /**
   * The demo model at full speed (the default); false keeps its configured speed, for tests that
   * need an answer still streaming when they act (cancel it, resume it).
   */
  fullSpeedDemo?: boolean;
};

/**
 * Starts `services/all-in-one/main.ts` as its own process: in-process bus, in-memory state,
 * SQLite in a fresh directory, a known JWT_SECRET, debug logs, generous limits and the demo model
 * at full speed; `environment` overrides any of it.
 *
 * @example
 * const server = await startEmbeddedServer({ LOG_LEVEL: "debug" });
 * // ...
 * await server.stop();
 */
export async function startEmbeddedServer(
  environment: Record<string, string> = {},
  options: EmbeddedServerOptions = {},
): Promise<EmbeddedServer> {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-security-"));
  const jwtSecret = `security-suite-${crypto.randomUUID()}`;
  const settings = {
    DATA_DIR: dataDirectory,
    AMQP_URL: "",
    REDIS_URL: "",
    JWT_SECRET: jwtSecret,
    ...(options.fullSpeedDemo === false ? {} : { DEMO_TOKENS_PER_SECOND: "0" }),
    // Everything is logged, so the secret scan at stop sees every line the server can write.
    LOG_LEVEL: "debug",
    ...(options.generousLimits === false ? {} : generousLimits),
    ...environment,
  };
  const entry = "services/all-in-one/main.ts";
  let process = await ServiceProcess.start("all-in-one", entry, settings);
  return {
    get process() {
      return process;
    },
    baseUrl: process.baseUrl,
    jwtSecret: settings.JWT_SECRET,
    dataDirectory,
    environment: settings,
    async restart() {
      await process.stop();
      process = await ServiceProcess.start("all-in-one", entry, { ...settings, PORT: String(process.port) });
    },
    async stop() {
      try {
        return await process.stop();
      } finally {
        rmSync(dataDirectory, { recursive: true, force: true });
      }
    },
  };
}
