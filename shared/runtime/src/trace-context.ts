import { randomBytes } from "node:crypto";

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent continuing `incoming` when it is valid, or starting a new trace. */
export function traceparentFrom(incoming?: string | null): string {
  const match = incoming ? traceparentPattern.exec(incoming) : null;
  const traceId = match?.[1] ?? randomBytes(16).toString("hex");
  return `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
}

/** A new time-ordered unique id (UUIDv7), used for every entity and message. */
export function newId(): string {
  return Bun.randomUUIDv7();
}
