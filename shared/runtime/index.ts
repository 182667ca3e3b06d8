export {
  BaseConfig,
  BaseConfigFields,
  ConfigError,
  loadConfig,
  requireBrokerSettings,
  requireSetting,
} from "./src/config.ts";
export { checkReadiness, type ReadinessChecks, startHealthServer } from "./src/health-server.ts";
export { Lifecycle } from "./src/lifecycle.ts";
export { createLogger, type Logger } from "./src/logger.ts";
export { createPrivateDirectory } from "./src/private-directory.ts";
export type { RunningService } from "./src/running-service.ts";
export { runServiceMain } from "./src/service-main.ts";
export { newId, traceparentFrom } from "./src/trace-context.ts";
