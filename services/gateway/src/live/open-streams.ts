import { gauge } from "@chat/metrics";

/** Streams this gateway holds open right now, by transport (`sse`, `websocket`), for /metrics. */
export const openStreams = gauge(
  "chat_open_streams",
  "Client streams this gateway holds open, by transport (sse, websocket)",
  ["transport"],
);
