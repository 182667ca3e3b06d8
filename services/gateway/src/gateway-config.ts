import { BaseConfigFields } from "@chat/runtime";
import { StorageConfigFields } from "@chat/storage";
import { type Static, Type } from "@sinclair/typebox";

export const GatewayConfigFields = {
  JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        "HMAC key of access tokens, 32+ characters; required unless embedded (then kept in DATA_DIR)",
    }),
  ),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    default: 15 * 60,
    minimum: 60,
    description: "Access token lifetime; clients renew with POST /api/auth/refresh",
  }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({
    default: 30 * 24 * 3600,
    minimum: 300,
    description: "Refresh token lifetime (the httpOnly refresh cookie); each use rotates it",
  }),
  COOKIE_SECURE: Type.Boolean({
    default: false,
    description:
      "Mark the cookies Secure and name them __Host-chat_session / __Secure-chat_refresh (set behind TLS; also implied by TRUST_PROXY and X-Forwarded-Proto https); plain cookie names are then not read",
  }),
  AUTH_MODE: Type.Union([Type.Literal("local"), Type.Literal("jwks")], {
    default: "local",
    description:
      "local: accounts here; jwks: accept JWTs of an identity provider (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE)",
  }),
  JWKS_URL: Type.Optional(
    Type.String({ pattern: "^https?://", description: "The identity provider's JWKS (AUTH_MODE=jwks)" }),
  ),
  JWT_ISSUER: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Required `iss` of the identity provider's tokens (AUTH_MODE=jwks)",
    }),
  ),
  JWT_AUDIENCE: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Required `aud` of the identity provider's tokens (AUTH_MODE=jwks)",
    }),
  ),
  SESSION_IDLE_MINUTES: Type.Integer({
    default: 15,
    minimum: 1,
    maximum: 1_440,
    description:
      "A conversation's session ends after this many minutes without activity (the console shows it ended, with its duration); a new message starts the next",
  }),
  ADMIN_EMAILS: Type.Optional(
    Type.String({
      description: "Comma-separated emails that get the admin role; the first account is admin too",
    }),
  ),
  PASSWORD_MIN_LENGTH: Type.Integer({
    default: 10,
    minimum: 8,
    maximum: 256,
    description: "Shortest password accepted at registration",
  }),
  STREAM_TICKET_TTL_SECONDS: Type.Integer({
    default: 60,
    minimum: 5,
    maximum: 3600,
    description: "Lifetime of a single-use stream ticket (POST /api/stream-tickets)",
  }),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description:
      "Trust X-Forwarded-For / X-Forwarded-Proto from the reverse proxy (client IP for rate limits, HSTS over TLS); the shipped docker-compose and infra/k8s set it",
  }),
  RATE_LIMIT_IP_PER_MINUTE: Type.Integer({
    default: 600,
    minimum: 1,
    description: "HTTP requests per client IP (an IPv6 client: per /64) per minute",
  }),
  RATE_LIMIT_USER_PER_MINUTE: Type.Integer({
    default: 300,
    minimum: 1,
    description: "HTTP requests per signed-in user per minute",
  }),
  RATE_LIMIT_AUTH_PER_MINUTE: Type.Integer({
    default: 20,
    minimum: 1,
    description: "Sign-in, registration and refresh attempts per client IP (IPv6: per /64) per minute",
  }),
  RATE_LIMIT_ACCOUNT_PER_MINUTE: Type.Integer({
    default: 10,
    minimum: 1,
    description: "Password sign-in attempts per account (email), from any address, per minute",
  }),
  RATE_LIMIT_WS_FRAMES_PER_MINUTE: Type.Integer({
    default: 600,
    minimum: 1,
    description: "Client frames per WebSocket per minute",
  }),
  GENERATIONS_PER_USER_PER_MINUTE: Type.Integer({
    default: 20,
    minimum: 1,
    description: "Messages sent and /v1 completions per user per minute",
  }),
  MAX_STREAMS_PER_USER: Type.Integer({
    default: 20,
    minimum: 1,
    description: "Open SSE streams and WebSockets per user at once",
  }),
  MAX_MESSAGE_CHARS: Type.Integer({
    default: 32_000,
    minimum: 1,
    maximum: 32_000,
    description: "Longest message a user may send (the API's hard limit is 32 000)",
  }),
  MAX_BODY_BYTES: Type.Integer({ default: 256 * 1024, minimum: 1024, description: "Largest request body" }),
  SSE_HEARTBEAT_MS: Type.Integer({
    default: 15_000,
    minimum: 100,
    description: "SSE heartbeat comment interval",
  }),
  HTTP_IDLE_TIMEOUT_SECONDS: Type.Integer({
    default: 30,
    minimum: 1,
    maximum: 255,
    description:
      "An HTTP connection that sends nothing for this long is closed: idle keep-alive, a stalled body, a request still unanswered (keep it above BUS_REQUEST_TIMEOUT_MS); SSE, WebSocket and /v1 completions keep their own timeouts",
  }),
  HTTP_BODY_TIMEOUT_MS: Type.Integer({
    default: 30_000,
    minimum: 100,
    description: "A request body must have arrived whole within this (else 408 REQUEST_TIMEOUT)",
  }),
  NODE_ENV: Type.Optional(
    Type.String({
      description:
        "production in every deployment (start script, image, compose, k8s): Elysia's terse errors, no frontend source maps",
    }),
  ),
  METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        "Bearer token a scraper sends for the gateway's GET /metrics (Prometheus); unset = no /metrics on the public port",
    }),
  ),
  FRONTEND_DIR: Type.Optional(
    Type.String({ description: "Built frontend to serve at /; default frontend/dist" }),
  ),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      description:
        "Other origins allowed to call the API with credentials (CORS) and to open the WebSocket, comma-separated (e.g. https://app.example.com); the gateway's own always is",
    }),
  ),
  WS_PING_INTERVAL_MS: Type.Integer({
    default: 20_000,
    minimum: 100,
    description: "WebSocket ping interval",
  }),
  WS_PONG_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: "A WebSocket that does not answer a ping within this is closed",
  }),
  WS_MAX_BUFFERED_BYTES: Type.Integer({
    default: 1024 * 1024,
    minimum: 1024,
    description: "Unsent bytes a WebSocket may hold before it is closed with 1013 (the client resumes)",
  }),
  COMPLETION_FIRST_TEXT_TIMEOUT_MS: Type.Integer({
    default: 180_000,
    minimum: 1_000,
    description:
      "Longest wait for the first text of a /v1 completion, the orchestrator's retries and fallbacks included (then 504)",
  }),
  COMPLETION_MAX_BODY_BYTES: Type.Integer({
    default: 8 * 1024 * 1024,
    minimum: 1024,
    description:
      "Largest body of POST /v1/chat/completions, whose images come as data URLs (other bodies: MAX_BODY_BYTES); the images then travel the bus, so keep it under the broker's message limit",
  }),
  IMPORT_MAX_BYTES: Type.Integer({
    default: 20 * 1024 * 1024,
    minimum: 1024,
    description:
      "Largest file POST /api/imports takes (our export or ChatGPT's conversations.json; other bodies: MAX_BODY_BYTES)",
  }),
  DATA_DIR: Type.String({
    default: "./data",
    description:
      "Folder of the embedded data: the SQLite database (when MONGODB_URL is unset), uploads (`uploads/`, when S3_BUCKET is unset), the embedded JWT secret",
  }),
  UPLOAD_MAX_BYTES: Type.Integer({
    default: 25 * 1024 * 1024,
    minimum: 1024,
    description:
      "Largest upload (POST /api/uploads): a PDF or audio file; images and text have their own lower limits",
  }),
  UPLOAD_IMAGE_MAX_BYTES: Type.Integer({
    default: 10 * 1024 * 1024,
    minimum: 1024,
    description: "Largest image upload (PNG, JPEG, WebP, GIF), before and after it is re-encoded",
  }),
  UPLOAD_TEXT_MAX_BYTES: Type.Integer({
    default: 1024 * 1024,
    minimum: 1024,
    description: "Largest text or code file upload",
  }),
  UPLOAD_QUOTA_BYTES: Type.Integer({
    default: 500 * 1024 * 1024,
    minimum: 0,
    description: "What one user's uploaded files may hold together (then 413 QUOTA_EXCEEDED)",
  }),
  UPLOAD_TIMEOUT_MS: Type.Integer({
    default: 10 * 60_000,
    minimum: 1_000,
    description:
      "The whole upload must arrive within this, however slowly it trickles (then 408 REQUEST_TIMEOUT)",
  }),
  UPLOAD_URL_TTL_SECONDS: Type.Integer({
    default: 300,
    minimum: 10,
    maximum: 7 * 24 * 3600,
    description: "Lifetime of an attachment's signed download URL",
  }),
  SPEECH_BASE_URL: Type.Optional(
    Type.String({
      pattern: "^https?://",
      description:
        "An OpenAI-compatible audio API (`/audio/transcriptions`, `/audio/speech`), e.g. https://api.openai.com/v1 or a local Whisper/TTS server; unset = no voice transcription or speech on the server (the web app uses the browser's own)",
    }),
  ),
  SPEECH_API_KEY: Type.Optional(
    Type.String({ minLength: 1, description: "Key of the speech server, when it needs one" }),
  ),
  TRANSCRIPTION_MODEL: Type.String({
    default: "whisper-1",
    minLength: 1,
    description: "Model of POST /api/attachments/:id/transcription",
  }),
  TRANSCRIPTION_RESPONSE_FORMAT: Type.Union(
    [Type.Literal("json"), Type.Literal("verbose_json"), Type.Literal("text")],
    {
      default: "json",
      description:
        "The `response_format` asked of the speech server: json, verbose_json (also the language and duration) or text",
    },
  ),
  SPEECH_MODEL: Type.String({ default: "tts-1", minLength: 1, description: "Model of POST /api/speech" }),
  SPEECH_VOICE: Type.String({
    default: "alloy",
    minLength: 1,
    description: "Voice of POST /api/speech when the request names none",
  }),
  SPEECH_MAX_CHARS: Type.Integer({
    default: 4096,
    minimum: 1,
    maximum: 100_000,
    description: "Longest text POST /api/speech reads aloud (then 400 VALIDATION_FAILED)",
  }),
  SPEECH_PER_USER_PER_MINUTE: Type.Integer({
    default: 20,
    minimum: 1,
    description: "Transcriptions and speech requests per user and minute, together (then 429)",
  }),
  SPEECH_TIMEOUT_MS: Type.Integer({
    default: 60_000,
    minimum: 100,
    description: "Longest wait for the speech server (then 504 PROVIDER_TIMEOUT)",
  }),
  ...StorageConfigFields,
};

export const GatewayConfig = Type.Object({
  ...BaseConfigFields,
  ...GatewayConfigFields,
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
});
export type GatewayConfig = Static<typeof GatewayConfig>;
export type GatewaySettings = Omit<GatewayConfig, "JWT_SECRET" | "PORT"> & { JWT_SECRET: string };
