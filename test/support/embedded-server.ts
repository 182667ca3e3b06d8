import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  /** The process running now; a new one after `restart()`. */
  process: ServiceProcess;
  baseUrl: string;
  /** The secret access tokens are signed with: the one given, or the one generated in DATA_DIR. */
  jwtSecret: string;
  environment: Record<string, string>;
  /** Where the server keeps its database and files; removed by `stop()`. */
  dataDirectory: string;
  /**
   * Stops the process and starts it again on the same port, settings and data directory. After
   * `process.kill()` (kill -9) it only starts it again: a crash and a restart.
   */
  restart(): Promise<void>;
  /** Stops the process (throwing if its output leaked a secret), removes its data, and gives its exit code. */
  stop(): Promise<number>;
};

export type EmbeddedServerOptions = {
  /**
   * `"test"` (the default): a known JWT_SECRET, debug logs, generous limits and the demo model at
   * full speed. `"plain"`: only what makes the process embedded (a fresh DATA_DIR, no AMQP_URL, no
   * REDIS_URL), every other setting the server's own default: for suites whose assertions are
   * about those defaults (a generated JWT secret, the default limits).
   */
  settings?: "test" | "plain";
  /**
   * Runs with the fresh data directory before the start; the settings it returns are added, for
   * files that settings name (a model file in the data directory).
   */
  prepare?(dataDirectory: string): Record<string, string>;
  /**
   * With `settings: "test"`: generous limits (the default), so that abuse limits never answer in
   * place of the behaviour under test; false keeps the configured defaults, for tests of the limits.
   */
  generousLimits?: boolean;
  /**
   * With `settings: "test"`: the demo model at full speed (the default); false keeps its configured
   * speed, for tests that need an answer still streaming when they act (cancel it, resume it).
   */
  fullSpeedDemo?: boolean;
};

/**
 * Starts `services/all-in-one/main.ts` as its own process: in-process bus, in-memory state,
 * SQLite in a fresh directory, a known JWT_SECRET, debug logs, generous limits and the demo model
 * at full speed; `environment` overrides any of it (see `options.settings` for none of it).
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
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-embedded-"));
  const testSettings = {
    JWT_SECRET: `security-suite-${crypto.randomUUID()}`,
    ...(options.fullSpeedDemo === false ? {} : { DEMO_TOKENS_PER_SECOND: "0" }),
    // Everything is logged, so the secret scan at stop sees every line the server can write.
    LOG_LEVEL: "debug",
    ...(options.generousLimits === false ? {} : generousLimits),
  };
  const settings: Record<string, string> = {
    DATA_DIR: dataDirectory,
    AMQP_URL: "",
    REDIS_URL: "",
    ...(options.settings === "plain" ? {} : testSettings),
    ...options.prepare?.(dataDirectory),
    ...environment,
  };
  const entry = "services/all-in-one/main.ts";
  let process: ServiceProcess;
  try {
    process = await ServiceProcess.start("all-in-one", entry, settings);
  } catch (error) {
    rmSync(dataDirectory, { recursive: true, force: true });
    throw error;
  }
  return {
    get process() {
      return process;
    },
    baseUrl: process.baseUrl,
    get jwtSecret() {
      return settings.JWT_SECRET || readFileSync(join(dataDirectory, "jwt-secret"), "utf8").trim();
    },
    environment: settings,
    dataDirectory,
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
