import "./src/formats.ts";

export * from "./src/bus-messages.ts";
export {
  emailAddressProblem,
  externalEmailKey,
  normalizeEmail,
} from "./src/email-address.ts";
export {
  AppError,
  ErrorBody,
  ErrorCode,
  httpStatusFor,
  SerializedError,
} from "./src/errors.ts";
export { compareEventIds, type EventIdParts, formatEventId, parseEventId } from "./src/event-id.ts";
export * from "./src/events.ts";
export * from "./src/http.ts";
export * from "./src/openai-compatible.ts";
export { partitionOf } from "./src/partition.ts";
export * from "./src/websocket-frames.ts";
