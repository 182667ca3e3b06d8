import { BaseConfigFields } from "@chat/runtime";
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
    default: 24 * 3600,
    minimum: 60,
    description: "Access token lifetime",
  }),
  COOKIE_SECURE: Type.Boolean({
    default: false,
    description: "Mark the session cookie Secure (set behind TLS)",
  }),
  MAX_BODY_BYTES: Type.Integer({ default: 256 * 1024, minimum: 1024, description: "Largest request body" }),
  SSE_HEARTBEAT_MS: Type.Integer({
    default: 15_000,
    minimum: 100,
    description: "SSE heartbeat comment interval",
  }),
  FRONTEND_DIR: Type.Optional(
    Type.String({ description: "Built frontend to serve at /; default frontend/dist" }),
  ),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      description:
        "Other origins allowed to open the WebSocket, comma-separated (e.g. https://app.example.com); the gateway's own always is",
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
};

export const GatewayConfig = Type.Object({
  ...BaseConfigFields,
  ...GatewayConfigFields,
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
});
export type GatewayConfig = Static<typeof GatewayConfig>;
export type GatewaySettings = Pick<
  GatewayConfig,
  | "ACCESS_TOKEN_TTL_SECONDS"
  | "COOKIE_SECURE"
  | "MAX_BODY_BYTES"
  | "SSE_HEARTBEAT_MS"
  | "FRONTEND_DIR"
  | "BUS_REQUEST_TIMEOUT_MS"
  | "CORS_ORIGINS"
  | "WS_PING_INTERVAL_MS"
  | "WS_PONG_TIMEOUT_MS"
  | "WS_MAX_BUFFERED_BYTES"
  | "COMPLETION_FIRST_TEXT_TIMEOUT_MS"
> & { JWT_SECRET: string };
