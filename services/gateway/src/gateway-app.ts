import type { Bus } from "@chat/bus";
import { StoreClient } from "@chat/clients";
import { type ErrorBody, HealthReport } from "@chat/contracts";
import { checkReadiness, type Logger, newId, type ReadinessChecks } from "@chat/runtime";
import type { ReplayLog } from "@chat/state";
import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { AccessTokens } from "./access-tokens.ts";
import { authRoutes } from "./auth-routes.ts";
import { Authenticator } from "./authenticator.ts";
import { chatRoutes } from "./chat-routes.ts";
import { errorResponse } from "./error-responses.ts";
import { eventRoutes } from "./event-routes.ts";
import { frontendFiles } from "./frontend-files.ts";
import type { GatewaySettings } from "./gateway-config.ts";
import type { LiveEventHub } from "./live-event-hub.ts";
import { requestContext } from "./request-context.ts";
import type { SseConnection } from "./sse-connection.ts";
import { webSocketServerOptions, websocketRoutes } from "./websocket-routes.ts";
import type { WebSocketSession, WebSocketSessionSettings } from "./websocket-session.ts";

export type GatewayDependencies = {
  bus: Bus;
  replayLog: ReplayLog;
  hub: LiveEventHub;
  logger: Logger;
  settings: GatewaySettings;
  frontendDirectory: string;
  readiness: ReadinessChecks;
  connections: Set<SseConnection>;
  /** Open WebSocket connections, so the service can close them on stop. */
  webSocketSessions: Set<WebSocketSession>;
};

const openApiDocumentation = {
  info: {
    title: "Chat API",
    version: "1.0.0",
    description:
      "REST and SSE API of the chat system. Authenticate with `Authorization: Bearer <accessToken>` " +
      "(from register or login) or the httpOnly session cookie those set. Every error answers " +
      '`{"error":{"code":"...","message":"..."}}`.',
  },
  tags: [
    { name: "auth", description: "Accounts and sessions" },
    { name: "chats", description: "The user's chats" },
    { name: "messages", description: "Messages of a chat" },
    { name: "events", description: "Live streams (SSE)" },
    { name: "health", description: "Liveness and readiness" },
  ],
  components: {
    securitySchemes: {
      bearer: { type: "http" as const, scheme: "bearer", bearerFormat: "JWT" },
      cookie: { type: "apiKey" as const, in: "cookie" as const, name: "chat_session" },
    },
  },
  security: [{ bearer: [] }, { cookie: [] }] as Array<Record<string, string[]>>,
};

/** The gateway's HTTP application: API, SSE, Swagger UI at /swagger, health, the frontend at /. */
export function createGatewayApp(dependencies: GatewayDependencies) {
  const { bus, replayLog, hub, logger, settings, readiness, connections } = dependencies;
  const tokens = new AccessTokens(settings.JWT_SECRET, settings.ACCESS_TOKEN_TTL_SECONDS);
  const authenticator = new Authenticator(tokens);
  const store = new StoreClient(bus, { timeoutMs: settings.BUS_REQUEST_TIMEOUT_MS, newId });
  const context = requestContext(logger);
  const webSocket: WebSocketSessionSettings = {
    pingIntervalMs: settings.WS_PING_INTERVAL_MS,
    pongTimeoutMs: settings.WS_PONG_TIMEOUT_MS,
    maxBufferedBytes: settings.WS_MAX_BUFFERED_BYTES,
    maxFrameBytes: settings.MAX_BODY_BYTES,
    commandTimeoutMs: settings.BUS_REQUEST_TIMEOUT_MS,
  };

  // normalize off: a body with unknown fields is refused (400), not silently trimmed.
  return new Elysia({ name: "gateway", normalize: false, websocket: webSocketServerOptions(webSocket) })
    .use(
      swagger({
        path: "/swagger",
        provider: "swagger-ui",
        documentation: openApiDocumentation,
        exclude: ["/", "/assets/*"],
      }),
    )
    .onRequest(({ request, set }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > settings.MAX_BODY_BYTES) {
        set.status = 413;
        return {
          error: { code: "PAYLOAD_TOO_LARGE", message: `The body is over ${settings.MAX_BODY_BYTES} bytes` },
        } satisfies ErrorBody;
      }
    })
    .use(context)
    .onError(({ code, error, set }) => {
      const { status, body } = errorResponse(code, error, logger);
      set.status = status;
      return body;
    })
    .get("/healthz", () => ({ status: "ok" as const, service: "gateway", checks: {} }), {
      response: HealthReport,
      detail: { tags: ["health"], summary: "The process is alive", security: [] },
    })
    .get(
      "/readyz",
      async ({ set }) => {
        const report = await checkReadiness("gateway", readiness);
        if (report.status !== "ok") set.status = 503;
        return report;
      },
      { detail: { tags: ["health"], summary: "Every dependency answers", security: [] } },
    )
    .use(
      authRoutes({
        requestContext: context,
        store,
        tokens,
        authenticator,
        cookieSecure: settings.COOKIE_SECURE,
      }),
    )
    .use(
      chatRoutes({
        requestContext: context,
        bus,
        store,
        authenticator,
        commandTimeoutMs: settings.BUS_REQUEST_TIMEOUT_MS,
      }),
    )
    .use(
      eventRoutes({
        requestContext: context,
        store,
        authenticator,
        hub,
        replayLog,
        connections,
        sse: { heartbeatMs: settings.SSE_HEARTBEAT_MS, maxBufferedBytes: 1024 * 1024, retryMs: 2_000 },
      }),
    )
    .use(
      websocketRoutes({
        requestContext: context,
        authenticator,
        bus,
        store,
        hub,
        replayLog,
        logger,
        settings: { ...webSocket, corsOrigins: settings.CORS_ORIGINS ?? "" },
        sessions: dependencies.webSocketSessions,
      }),
    )
    .use(frontendFiles(dependencies.frontendDirectory));
}
