export { createGatewayApp } from "./src/gateway-app.ts";
export { GatewayConfig, GatewayConfigFields, type GatewaySettings } from "./src/gateway-config.ts";
export {
  defaultFrontendDirectory,
  embeddedJwtSecret,
  type RunningGateway,
  startGateway,
} from "./src/gateway-service.ts";
export { LiveEventHub } from "./src/live/live-event-hub.ts";
export { CompletionRelay } from "./src/openai/completion-relay.ts";
