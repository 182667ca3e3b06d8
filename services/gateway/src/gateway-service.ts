import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Bus } from "@chat/bus";
import { WebSocketCloseCode } from "@chat/contracts";
import {
  ConfigError,
  createPrivateDirectory,
  type Logger,
  newId,
  type ReadinessChecks,
  type RunningService,
} from "@chat/runtime";
import type { ActorState } from "@chat/state";
import { createGatewayApp } from "./gateway-app.ts";
import type { GatewaySettings } from "./gateway-config.ts";
import { strictContentSecurityPolicy } from "./http/security-headers.ts";
import { LiveEventHub } from "./live/live-event-hub.ts";
import { CompletionRelay } from "./openai/completion-relay.ts";
import type { SseConnection } from "./sse/sse-connection.ts";
import { type AttachmentStorage, openAttachmentStorage } from "./uploads/attachment-storage.ts";
import type { WebSocketSession } from "./websocket/websocket-session.ts";

export const defaultFrontendDirectory = resolve(import.meta.dir, "../../../frontend/dist");

/** The shortest JWT secret accepted from the `jwt-secret` file, as for JWT_SECRET. */
const minimumJwtSecretBytes = 32;

/**
 * The embedded default keeps a generated JWT secret in `DATA_DIR/jwt-secret` (0600, in a directory
 * created 0700), so sessions survive restarts. An existing file that group or others may access,
 * or that holds fewer than 32 bytes, is refused with a ConfigError naming the file and the fix:
 * whoever could read it could sign access tokens for any user.
 */
export function embeddedJwtSecret(dataDirectory: string): string {
  const path = join(dataDirectory, "jwt-secret");
  if (existsSync(path)) return readJwtSecretFile(path);
  createPrivateDirectory(dataDirectory);
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

function readJwtSecretFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `Invalid configuration — ${path}: the JWT secret file is open to group or others (mode ` +
        `${mode.toString(8).padStart(3, "0")}); make it the owner's only: chmod 600 ${path}`,
    );
  }
  const secret = readFileSync(path, "utf8").trim();
  const bytes = Buffer.byteLength(secret);
  if (bytes < minimumJwtSecretBytes) {
    throw new ConfigError(
      `Invalid configuration — ${path}: the JWT secret has ${bytes} bytes, at least ` +
        `${minimumJwtSecretBytes} are needed; write a longer one (openssl rand -base64 48 > ${path}), ` +
        "or delete the file to have one generated (every signed-in user is signed out)",
    );
  }
  return secret;
}

export type RunningGateway = RunningService & { port: number };

/**
 * What the server answers when something escapes the app's own error handling: the typed 500,
 * with the headers every answer has, and the error logged; the process goes on serving.
 */
function lastResortAnswer(error: Error, logger: Logger): Response {
  logger.error({ err: error }, "request failed outside the app's error handling");
  return Response.json(
    { error: { code: "INTERNAL", message: "Internal error" } },
    {
      status: 500,
      headers: {
        "cache-control": "no-store",
        "content-security-policy": strictContentSecurityPolicy,
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
      },
    },
  );
}

/**
 * Starts the edge gateway on `port` (0 = any free port). On stop it refuses new requests, asks
 * every SSE client to reconnect elsewhere (a `retry` hint), closes every WebSocket with 1012
 * (service restart), ends the API completions still running with a retryable 503 (cancelling them
 * upstream), and closes its event queues.
 */
export async function startGateway(dependencies: {
  bus: Bus;
  /** The replay logs, rate limits, tickets and ended sign-ins, shared by every gateway. */
  actorState: Pick<ActorState, "replayLog" | "rateLimiter" | "tickets" | "revocations">;
  logger: Logger;
  settings: GatewaySettings;
  port: number;
  readiness: ReadinessChecks;
  /** Where uploaded files go; by default what the settings say (`openAttachmentStorage`). */
  attachmentStorage?: AttachmentStorage;
}): Promise<RunningGateway> {
  const { bus, logger, settings } = dependencies;
  const hub = await LiveEventHub.open(bus, dependencies.actorState.replayLog, logger);
  const connections = new Set<SseConnection>();
  const webSocketSessions = new Set<WebSocketSession>();
  const completions = new CompletionRelay(bus, logger, { newId });
  const app = createGatewayApp({
    bus,
    actorState: dependencies.actorState,
    hub,
    logger,
    settings,
    frontendDirectory: settings.FRONTEND_DIR ?? defaultFrontendDirectory,
    readiness: dependencies.readiness,
    connections,
    webSocketSessions,
    completions,
    attachmentStorage: dependencies.attachmentStorage ?? (await openAttachmentStorage(settings)),
  });
  app.listen({
    port: dependencies.port,
    // A connection silent this long is closed: idle keep-alive, a stalled body. Streams (SSE, /v1
    // completions) lift it for their own request; WebSockets have their own ping.
    idleTimeout: settings.HTTP_IDLE_TIMEOUT_SECONDS,
    // No server-side body limit: the app's own (MAX_BODY_BYTES) reads no further and answers a
    // typed 413, where the server's would answer a bare one.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Never Bun's development error page, whatever NODE_ENV: it shows source paths and code.
    development: false,
    error: (error) => lastResortAnswer(error, logger),
  });
  const port = app.server?.port ?? dependencies.port;
  return {
    name: "gateway",
    port,
    checks: dependencies.readiness,
    async stop() {
      // Refuse new requests, then end the open streams (which would otherwise hold the server),
      // asking their clients to reconnect, to another instance, in a second.
      const stopping = app.server?.stop(false);
      for (const connection of [...connections]) connection.close(1_000);
      for (const session of [...webSocketSessions]) {
        session.close(WebSocketCloseCode.serviceRestart, "The gateway is restarting: reconnect and resume");
      }
      await completions.close();
      await stopping;
      await hub.close();
    },
  };
}
