import { type ClientFrame, clientFrameSchemas, type ErrorFrame } from "@chat/contracts";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { maxJsonNestingDepth, nestsDeeperThan } from "../http/json-nesting.ts";

/** A protocol's client frame schemas, each by its `type`. */
export type FrameSchemas = Record<string, TSchema>;

/** One frame of a protocol, read: the frame its `type` names, or the `error` frame that refuses it. */
export type FrameReading<Frame> = { ok: true; frame: Frame } | { ok: false; error: ErrorFrame };

export type ClientFrameReading = FrameReading<ClientFrame>;

type FrameOf<Schemas extends FrameSchemas> = {
  [Type in keyof Schemas]: Static<Schemas[Type]>;
}[keyof Schemas];

function refused(
  code: ErrorFrame["code"],
  error: string,
  extra: Pick<ErrorFrame, "requestId" | "details"> = {},
): { ok: false; error: ErrorFrame } {
  return { ok: false, error: { type: "error", eventId: null, code, error, retryable: false, ...extra } };
}

/** The frame's own requestId, when it has a usable one, so even a refusal can be matched. */
function requestIdOf(value: Record<string, unknown>): Pick<ErrorFrame, "requestId"> {
  const requestId = value.requestId;
  return typeof requestId === "string" && requestId.length > 0 && requestId.length <= 100
    ? { requestId }
    : {};
}

/**
 * Checks one inbound WebSocket frame, as Bun received it (text, or bytes for a binary frame),
 * against the client frame schemas. Size and nesting depth are measured on the raw text before
 * it is parsed, so a frame a thousand levels deep is never walked; then it is parsed once.
 * Refusals come back as `error` frames to send, never as throws: a bad frame must not end the
 * connection.
 *
 * @example
 * const reading = readClientFrame(rawMessage, 256 * 1024);
 * if (!reading.ok) socket.send(JSON.stringify(reading.error));
 */
export function readClientFrame(message: string | Uint8Array, maxFrameBytes: number): ClientFrameReading {
  return readFrame(message, maxFrameBytes, clientFrameSchemas) as ClientFrameReading;
}

/**
 * `readClientFrame` for any protocol's frame schemas (the Go Chat compatible socket has its own),
 * with the same measurements and refusals.
 */
export function readFrame<Schemas extends FrameSchemas>(
  message: string | Uint8Array,
  maxFrameBytes: number,
  schemas: Schemas,
): FrameReading<FrameOf<Schemas>> {
  const frameTypes = Object.keys(schemas);
  const size = typeof message === "string" ? Buffer.byteLength(message) : message.byteLength;
  const tooLarge = (extra: Pick<ErrorFrame, "requestId"> = {}) =>
    refused("PAYLOAD_TOO_LARGE", `A frame is at most ${maxFrameBytes} bytes`, extra);
  const notJson = () => refused("MALFORMED_JSON", "A frame is a JSON object in a text message");
  if (typeof message !== "string") return size > maxFrameBytes ? tooLarge() : notJson();
  if (nestsDeeperThan(message, maxJsonNestingDepth)) {
    return refused(
      "VALIDATION_FAILED",
      `A frame nests objects and arrays at most ${maxJsonNestingDepth} deep`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return size > maxFrameBytes ? tooLarge() : notJson();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return refused("VALIDATION_FAILED", "A frame is a JSON object with a type");
  }
  // Parsed only to find its requestId: a client can match the refusal to what it sent.
  if (size > maxFrameBytes) return tooLarge(requestIdOf(parsed as Record<string, unknown>));
  const fields = parsed as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== "string" || !Object.hasOwn(schemas, type)) {
    return refused("VALIDATION_FAILED", `Unknown frame type; one of ${frameTypes.join(", ")}`, {
      ...requestIdOf(fields),
      details: [{ path: "/type", message: `must be one of ${frameTypes.join(", ")}` }],
    });
  }
  const schema = schemas[type] as TSchema;
  if (!Value.Check(schema, fields)) {
    const details = [...Value.Errors(schema, fields)].slice(0, 20).map((issue) => ({
      path: issue.path || "/",
      message: issue.message,
    }));
    return refused("VALIDATION_FAILED", `The ${type} frame is invalid`, {
      ...requestIdOf(fields),
      details,
    });
  }
  return { ok: true, frame: fields as FrameOf<Schemas> };
}
