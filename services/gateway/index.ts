export { CompletionRelay } from "./src/completion-relay.ts";
export { createGatewayApp } from "./src/gateway-app.ts";
export { GatewayConfig, GatewayConfigFields, type GatewaySettings } from "./src/gateway-config.ts";
export {
  defaultFrontendDirectory,
  embeddedJwtSecret,
  type RunningGateway,
  startGateway,
} from "./src/gateway-service.ts";
export { LiveEventHub } from "./src/live-event-hub.ts";
