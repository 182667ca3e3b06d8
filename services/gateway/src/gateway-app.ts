import { type Bus, ChatCommandClient, StoreClient } from "@chat/bus";
import { AdminEmails, AppError, HealthReport } from "@chat/contracts";
import { checkReadiness, type Logger, newId, type ReadinessChecks } from "@chat/runtime";
import type { ActorState } from "@chat/state";
import { Elysia } from "elysia";
import { AccountDeletion } from "./account/account-deletion.ts";
import { accountRoutes } from "./account/account-routes.ts";
import { AdminCommands } from "./admin/admin-commands.ts";
import { adminRoutes } from "./admin/admin-routes.ts";
import { ConsoleActivityFeed } from "./admin/console-activity-feed.ts";
import { consoleRoutes } from "./admin/console-routes.ts";
import { notificationSettingsRoutes } from "./admin/notification-settings-routes.ts";
import { ApiKeyAuthenticator } from "./auth/api-key-authenticator.ts";
import { authRoutes } from "./auth/auth-routes.ts";
import { Authenticator } from "./auth/authenticator.ts";
import { signedIn } from "./auth/signed-in.ts";
import { StaffAccess } from "./auth/staff-access.ts";
import { staffOnly } from "./auth/staff-only.ts";
import { StreamAuthenticator } from "./auth/streams/stream-authenticator.ts";
import { streamTicketRoutes } from "./auth/streams/stream-ticket-routes.ts";
import { AccessTokens } from "./auth/tokens/access-tokens.ts";
import { IdentityProviderTokens, identityProviderSettings } from "./auth/tokens/identity-provider-tokens.ts";
import { RefreshTokens } from "./auth/tokens/refresh-tokens.ts";
import { apiKeyRoutes } from "./chats/api-key-routes.ts";
import { ChatAssistanceCommands } from "./chats/chat-assistance.ts";
import { ChatCommands } from "./chats/chat-commands.ts";
import { chatProjectRoutes } from "./chats/chat-project-routes.ts";
import { chatRoutes } from "./chats/chat-routes.ts";
import { ImageInputCheck } from "./chats/image-input-check.ts";
import { ModelCatalog } from "./chats/model-catalog.ts";
import { modelRoutes } from "./chats/model-routes.ts";
import { searchRoutes } from "./chats/search-routes.ts";
import { usageRoutes } from "./chats/usage-routes.ts";
import { UserChats } from "./chats/user-chats.ts";
import { exportRoutes } from "./export/export-routes.ts";
import type { GatewaySettings } from "./gateway-config.ts";
import { goChatEndpoint } from "./go-chat/go-chat-endpoint.ts";
import { goChatHealthRoute, goChatProjectRoutes } from "./go-chat/go-chat-routes.ts";
import { renderError } from "./http/error-renderer.ts";
import { hostValidation } from "./http/host-validation.ts";
import { allowedOriginsFrom, cors } from "./http/origins/cors.ts";
import { type OriginPolicySettings, originPolicy } from "./http/origins/origin-policy.ts";
import { frontendFiles, notFoundPage, wantsNotFoundPage } from "./http/pages/frontend-files.ts";
import { metricsRoute } from "./http/pages/metrics-route.ts";
import { swaggerUiPage } from "./http/pages/swagger-ui-page.ts";
import { requestBodyLimit } from "./http/request-body-limit.ts";
import { requestContext } from "./http/request-context.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { ChatImport } from "./import/chat-import.ts";
import { importRoutes } from "./import/import-routes.ts";
import { RateLimitedError, RateLimits, requestRateLimits } from "./limits/rate-limits.ts";
import type { LiveEventHub } from "./live/live-event-hub.ts";
import type { CompletionRelay } from "./openai/completion-relay.ts";
import { ImageUrlParts } from "./openai/image-url-parts.ts";
import { completionIdleTimeoutMs, openAICompatibleRoutes } from "./openai/openai-compatible-routes.ts";
import { shareRoutes } from "./shares/share-routes.ts";
import { OpenAISpeechServer } from "./speech/openai-speech-server.ts";
import { speechRoutes } from "./speech/speech-routes.ts";
import { SpeechService } from "./speech/speech-service.ts";
import { eventRoutes } from "./sse/event-routes.ts";
import type { SseConnection } from "./sse/sse-connection.ts";
import { attachmentRoutes, uploadPath } from "./uploads/attachment-routes.ts";
import { AttachmentService } from "./uploads/attachment-service.ts";
import type { AttachmentStorage } from "./uploads/attachment-storage.ts";
import { sessionEndpoint, webSocketRoutes, webSocketServerOptions } from "./websocket/websocket-routes.ts";
import type { WebSocketSession, WebSocketSessionSettings } from "./websocket/websocket-session.ts";

export type GatewayDependencies = {
  bus: Bus;
  /**
   * What every gateway shares through the ActorState: replay logs, rate buckets and stream leases,
   * single-use tickets and ended sign-ins.
   */
  actorState: Pick<ActorState, "replayLog" | "rateLimiter" | "tickets" | "revocations">;
  /** Seconds the per-minute rate limits refill over: 60 unless a test shortens the wait. */
  rateLimitPeriodSeconds?: number;
  hub: LiveEventHub;
  logger: Logger;
  settings: GatewaySettings;
  frontendDirectory: string;
  readiness: ReadinessChecks;
  connections: Set<SseConnection>;
  /** Open WebSocket connections, so the service can close them on stop. */
  webSocketSessions: Set<WebSocketSession>;
  /** Relays the OpenAI-compatible API's completions; the service passes its own to close it on stop. */
  completions: CompletionRelay;
  /** Where uploaded files go (`openAttachmentStorage`). */
  attachmentStorage: AttachmentStorage;
};

const openApiDocumentation = {
  info: {
    title: "Chat API",
    version: "1.0.0",
    description:
      "REST and SSE API of the chat system. Authenticate with `Authorization: Bearer <accessToken>` " +
      "(from register or login) or the httpOnly session cookie those set. Every error answers " +
      '`{"error":{"code":"...","message":"..."}}`. The OpenAI-compatible API under /v1 takes API keys ' +
      "(`POST /api/keys`) and answers OpenAI's error body, with the same code in `error.code`; the Go Chat " +
      "compatible routes answer the Go Chat PRD's (see their tag). " +
      "Requests are rate limited per client address, per user, and for sign-in, messages and open streams: " +
      "past a limit the answer is 429 RATE_LIMITED with `Retry-After` in seconds; a body over the size limit is 413 PAYLOAD_TOO_LARGE. " +
      "Bodies are `application/json` only, uploads `multipart/form-data` (else 415 UNSUPPORTED_MEDIA_TYPE). A POST, PATCH or DELETE with cookies, and any " +
      "sign-in, from a browser page other than the gateway's own or CORS_ORIGINS answers 403 FORBIDDEN_ORIGIN.",
  },
  tags: [
    { name: "auth", description: "Accounts and sessions" },
    { name: "chats", description: "The user's chats" },
    { name: "messages", description: "Messages of a chat" },
    { name: "projects", description: "Named groups of chats with instructions and a default model" },
    { name: "events", description: "Live streams (SSE)" },
    { name: "models", description: "The models this deployment can use" },
    { name: "usage", description: "Tokens and cost" },
    { name: "attachments", description: "Uploaded files" },
    { name: "speech", description: "Voice: transcription of audio attachments, texts read aloud" },
    { name: "keys", description: "API keys for the OpenAI-compatible API" },
    { name: "admin", description: "Staff: users and roles, the audit log" },
    { name: "openai-compatible", description: "OpenAI's Chat Completions API, for OpenAI SDKs and tools" },
    {
      name: "go-chat-compatible",
      description:
        'The Go Chat PRD\'s API (PRD-002): a project is one chat; errors are `{"error":"...","code":"..."}`. ' +
        "Its WebSocket is /ws/chat?projectId=: the frames are the GoChat*Frame schemas, the protocol is in README",
    },
    { name: "health", description: "Liveness and readiness" },
  ],
  components: {
    securitySchemes: {
      bearer: { type: "http" as const, scheme: "bearer", bearerFormat: "JWT" },
      cookie: {
        type: "apiKey" as const,
        in: "cookie" as const,
        name: "chat_session",
        description: "`__Host-chat_session` over TLS; `chat_session` on plain http",
      },
      apiKey: { type: "http" as const, scheme: "bearer", bearerFormat: "sk-chat-..." },
    },
  },
  security: [{ bearer: [] }, { cookie: [] }] as Array<Record<string, string[]>>,
};

/** How long a client waits before it tries again after a 503 or 504 (a dependency away, a bus timeout). */
const unavailableRetryAfterSeconds = 2;

/** The gateway's HTTP application: API, SSE, Swagger UI at /swagger, health, the frontend at /. */
export function createGatewayApp(dependencies: GatewayDependencies) {
  const { bus, hub, logger, settings, readiness, connections } = dependencies;
  const { replayLog, rateLimiter, tickets, revocations } = dependencies.actorState;
  const tokens = new AccessTokens(settings.JWT_SECRET, settings.ACCESS_TOKEN_TTL_SECONDS, revocations);
  const rateLimits = new RateLimits(rateLimiter, settings, {
    logger,
    periodSeconds: dependencies.rateLimitPeriodSeconds,
  });
  const store = new StoreClient(bus, { timeoutMs: settings.BUS_REQUEST_TIMEOUT_MS, newId });
  const adminEmails = new AdminEmails(settings.ADMIN_EMAILS);
  // AUTH_MODE=jwks without its settings throws a ConfigError naming the missing variable.
  const identityProvider =
    settings.AUTH_MODE === "jwks"
      ? new IdentityProviderTokens({
          ...identityProviderSettings(settings),
          store,
          adminEmails,
          logger,
          newId,
        })
      : null;
  const authenticator = rateLimits.countPerUser(
    identityProvider
      ? new Authenticator(identityProvider, { sessionCookie: null })
      : new Authenticator(tokens, { sessionCookie: { secureOnly: settings.COOKIE_SECURE } }),
  );
  // Streams also take a single-use `?ticket=`; the request that got the ticket was counted.
  const streams = new StreamAuthenticator(authenticator, tickets);
  const models = new ModelCatalog(bus, { timeoutMs: settings.BUS_REQUEST_TIMEOUT_MS, cacheMs: 5_000, newId });
  const { completions } = dependencies;
  const context = requestContext(logger, { trustProxy: settings.TRUST_PROXY });
  const origins: OriginPolicySettings = {
    allowedOrigins: allowedOriginsFrom(settings.CORS_ORIGINS ?? ""),
    trustProxy: settings.TRUST_PROXY,
    cookieSecure: settings.COOKIE_SECURE,
    multipartPaths: new Set([uploadPath]),
  };
  const webSocket: WebSocketSessionSettings = {
    pingIntervalMs: settings.WS_PING_INTERVAL_MS,
    pongTimeoutMs: settings.WS_PONG_TIMEOUT_MS,
    maxBufferedBytes: settings.WS_MAX_BUFFERED_BYTES,
    maxFrameBytes: settings.MAX_BODY_BYTES,
  };
  const signedInCaller = signedIn({ requestContext: context, authenticator });
  const attachments = new AttachmentService({
    store,
    ...dependencies.attachmentStorage,
    limits: {
      maxBytes: settings.UPLOAD_MAX_BYTES,
      imageMaxBytes: settings.UPLOAD_IMAGE_MAX_BYTES,
      textMaxBytes: settings.UPLOAD_TEXT_MAX_BYTES,
      quotaBytes: settings.UPLOAD_QUOTA_BYTES,
      urlTtlSeconds: settings.UPLOAD_URL_TTL_SECONDS,
      timeoutMs: settings.UPLOAD_TIMEOUT_MS,
    },
    redirectToStorage: Boolean(settings.S3_BUCKET),
    newId,
  });
  const speech = new SpeechService({
    server: settings.SPEECH_BASE_URL
      ? new OpenAISpeechServer({
          baseUrl: settings.SPEECH_BASE_URL,
          apiKey: settings.SPEECH_API_KEY,
          transcriptionModel: settings.TRANSCRIPTION_MODEL,
          transcriptionFormat: settings.TRANSCRIPTION_RESPONSE_FORMAT,
          speechModel: settings.SPEECH_MODEL,
          timeoutMs: settings.SPEECH_TIMEOUT_MS,
        })
      : null,
    attachments,
    rateLimits,
    defaultVoice: settings.SPEECH_VOICE,
    maxChars: settings.SPEECH_MAX_CHARS,
  });
  // Staff routes read the caller's role from the store, so a role taken away stops at once.
  const staffAccess = new StaffAccess({
    store,
    adminEmails,
    storedEmailsOwned: settings.AUTH_MODE === "local",
  });
  const admin = new AdminCommands({ store, access: staffAccess, newId });
  const staffOnlyRoutes = staffOnly({ requestContext: context, authenticator, access: staffAccess });
  const sseSettings = {
    heartbeatMs: settings.SSE_HEARTBEAT_MS,
    maxBufferedBytes: 1024 * 1024,
    retryMs: 2_000,
  };
  const commandClient = new ChatCommandClient(bus, { timeoutMs: settings.BUS_REQUEST_TIMEOUT_MS, newId });
  const assistance = new ChatAssistanceCommands({ client: commandClient, store, access: staffAccess, newId });
  const commands = new ChatCommands({
    client: commandClient,
    models,
    imageInput: new ImageInputCheck({ models, store }),
    rateLimits,
    maxMessageChars: settings.MAX_MESSAGE_CHARS,
    newId,
    attachments,
  });
  const userChats = new UserChats({ store, models, newId });
  const webSocketDependencies = {
    requestContext: context,
    authenticator: streams,
    commands,
    admin,
    assistance,
    store,
    hub,
    replayLog,
    logger,
    rateLimits,
    settings: webSocket,
    origins,
    sessions: dependencies.webSocketSessions,
  };

  // normalize off: a body with unknown fields is refused (400), not silently trimmed.
  // Security headers first, so that every response has them, early refusals included.
  return new Elysia({ name: "gateway", normalize: false, websocket: webSocketServerOptions(webSocket) })
    .use(securityHeaders({ trustProxy: settings.TRUST_PROXY }))
    .use(hostValidation())
    .use(cors({ allowedOrigins: origins.allowedOrigins }))
    .use(originPolicy(origins))
    .use(
      swaggerUiPage({
        path: "/swagger",
        provider: "swagger-ui",
        documentation: openApiDocumentation,
        exclude: ["/", "/assets/*"],
      }),
    )
    .use(
      requestBodyLimit({
        maxBodyBytes: settings.MAX_BODY_BYTES,
        bodyTimeoutMs: settings.HTTP_BODY_TIMEOUT_MS,
        // The multipart framing around the file: boundaries and part headers.
        streamedBodies: { [uploadPath]: settings.UPLOAD_MAX_BYTES + 64 * 1024 },
        largerBodies: {
          "/v1/chat/completions": settings.COMPLETION_MAX_BODY_BYTES,
          "/api/imports": settings.IMPORT_MAX_BYTES,
        },
      }),
    )
    .use(requestRateLimits(rateLimits, { trustProxy: settings.TRUST_PROXY }))
    .use(context)
    .onError(({ code, error, set, request }) => {
      if (code === "NOT_FOUND" && wantsNotFoundPage(request)) {
        set.status = 404;
        set.headers["content-type"] = "text/html; charset=utf-8";
        return notFoundPage;
      }
      const { status, body } = renderError(code, error, request, logger);
      set.status = status;
      if (error instanceof RateLimitedError) set.headers["retry-after"] = String(error.retryAfterSeconds);
      else if ((status === 503 || status === 504) && !(AppError.isInstance(error) && !error.retryable))
        set.headers["retry-after"] = String(unavailableRetryAfterSeconds);
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
    .use(goChatHealthRoute({ requestContext: context, store }))
    .use(metricsRoute(settings.METRICS_TOKEN))
    .use(
      authRoutes({
        requestContext: context,
        store,
        tokens,
        refreshTokens: new RefreshTokens(settings.REFRESH_TOKEN_TTL_SECONDS),
        authenticator,
        adminEmails,
        rateLimits,
        logger,
        settings: {
          mode: settings.AUTH_MODE,
          cookieSecure: settings.COOKIE_SECURE,
          passwordMinLength: settings.PASSWORD_MIN_LENGTH,
        },
      }),
    )
    .use(chatRoutes({ signedIn: signedInCaller, store, userChats, commands, assistance }))
    .use(goChatProjectRoutes({ signedIn: signedInCaller, userChats, commands }))
    .use(chatProjectRoutes({ signedIn: signedInCaller, store, models, commands }))
    .use(searchRoutes({ signedIn: signedInCaller, store }))
    .use(modelRoutes({ signedIn: signedInCaller, models }))
    .use(usageRoutes({ signedIn: signedInCaller, store }))
    .use(apiKeyRoutes({ signedIn: signedInCaller, store }))
    .use(attachmentRoutes({ signedIn: signedInCaller, requestContext: context, attachments }))
    .use(shareRoutes({ requestContext: context, signedIn: signedInCaller, store }))
    .use(exportRoutes({ signedIn: signedInCaller, store }))
    .use(importRoutes({ signedIn: signedInCaller, chatImport: new ChatImport({ store, models }) }))
    .use(
      accountRoutes({
        requestContext: context,
        signedIn: signedInCaller,
        store,
        deletion: new AccountDeletion({ store, commands, signIns: tokens }),
        signIns: tokens,
        adminEmails,
        rateLimits,
        settings: {
          mode: settings.AUTH_MODE,
          cookieSecure: settings.COOKIE_SECURE,
          passwordMinLength: settings.PASSWORD_MIN_LENGTH,
        },
      }),
    )
    .use(speechRoutes({ signedIn: signedInCaller, speech }))
    .use(adminRoutes({ staffOnly: staffOnlyRoutes, admin, assistance }))
    .use(
      consoleRoutes({
        staffOnly: staffOnlyRoutes,
        store,
        feed: new ConsoleActivityFeed({ bus, store, logger }),
        sessionIdleMinutes: settings.SESSION_IDLE_MINUTES,
        sse: sseSettings,
        connections,
        rateLimits,
      }),
    )
    .use(notificationSettingsRoutes({ staffOnly: staffOnlyRoutes, store }))
    .use(
      openAICompatibleRoutes({
        requestContext: context,
        apiKeys: rateLimits.countPerUser(new ApiKeyAuthenticator(store)),
        models,
        completions,
        imageUrls: new ImageUrlParts({ store, maxImageBytes: settings.UPLOAD_IMAGE_MAX_BYTES }),
        rateLimits,
        maxMessageChars: settings.MAX_MESSAGE_CHARS,
        timeouts: {
          firstEventMs: settings.COMPLETION_FIRST_TEXT_TIMEOUT_MS,
          idleMs: completionIdleTimeoutMs,
        },
      }),
    )
    .use(
      streamTicketRoutes({
        signedIn: signedInCaller,
        streams,
        ttlSeconds: settings.STREAM_TICKET_TTL_SECONDS,
      }),
    )
    .use(
      eventRoutes({
        requestContext: context,
        store,
        authenticator: streams,
        assistance,
        hub,
        replayLog,
        connections,
        rateLimits,
        sse: sseSettings,
      }),
    )
    .use(webSocketRoutes(webSocketDependencies, sessionEndpoint))
    .use(webSocketRoutes(webSocketDependencies, goChatEndpoint(userChats)))
    .use(
      frontendFiles(dependencies.frontendDirectory, { serveSourceMaps: settings.NODE_ENV !== "production" }),
    );
}
