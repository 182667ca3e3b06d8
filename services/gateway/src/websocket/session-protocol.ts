import { readClientFrame } from "./read-client-frame.ts";
import type { WebSocketProtocol } from "./websocket-session.ts";

/** The protocol of `GET /ws`: the session's own frames, read against the client frame schemas, sent as they are. */
export const sessionProtocol: WebSocketProtocol = {
  read: readClientFrame,
  write: (frame) => frame,
};
