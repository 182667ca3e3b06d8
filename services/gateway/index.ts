export { ConsoleActivityFeed, type ConsoleListener } from "./src/admin/console-activity-feed.ts";
export { AccessTokens } from "./src/auth/tokens/access-tokens.ts";
export { hashRefreshToken } from "./src/auth/tokens/refresh-tokens.ts";
export { createGatewayApp } from "./src/gateway-app.ts";
export { GatewayConfig, GatewayConfigFields, type GatewaySettings } from "./src/gateway-config.ts";
export {
  defaultFrontendDirectory,
  embeddedJwtSecret,
  type RunningGateway,
  startGateway,
} from "./src/gateway-service.ts";
export { strictContentSecurityPolicy, strictTransportSecurity } from "./src/http/security-headers.ts";
export { LiveEventHub } from "./src/live/live-event-hub.ts";
export { CompletionRelay } from "./src/openai/completion-relay.ts";
export {
  type AttachmentStorage,
  attachmentDownloadPath,
  downloadUrlSignerFor,
  openAttachmentStorage,
} from "./src/uploads/attachment-storage.ts";
