export { SessionConfig, SessionConfigFields } from "./src/session-config.ts";
export { startSessionService } from "./src/session-service.ts";
