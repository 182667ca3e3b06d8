export { SessionConfig, SessionConfigFields } from "./src/session-config.ts";
export { startSession } from "./src/session-service.ts";
