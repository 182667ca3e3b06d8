import pino, { type Logger } from "pino";

export type { Logger };

/** Paths whose values never reach a log line. */
const redactedPaths = [
  "password",
  "*.password",
  "passwordHash",
  "*.passwordHash",
  "accessToken",
  "*.accessToken",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
  'headers["x-api-key"]',
  "apiKey",
  "*.apiKey",
];

/**
 * JSON logs for one service; children carry `requestId` / `traceparent` as correlation ids.
 *
 * @example
 * const logger = createLogger("gateway", "info");
 * logger.child({ requestId }).info({ status: 200 }, "request done");
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
