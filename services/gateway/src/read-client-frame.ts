import { type ClientFrame, type ClientFrameType, clientFrameSchemas, type ErrorFrame } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";

export type ClientFrameReading = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorFrame };

const frameTypes = Object.keys(clientFrameSchemas) as ClientFrameType[];

function refused(
  code: ErrorFrame["code"],
  error: string,
  extra: Pick<ErrorFrame, "requestId" | "details"> = {},
): ClientFrameReading {
  return { ok: false, error: { type: "error", eventId: null, code, error, retryable: false, ...extra } };
}

function isClientFrameType(type: unknown): type is ClientFrameType {
  return typeof type === "string" && (frameTypes as string[]).includes(type);
}

/** The frame's own requestId, when it has a usable one, so even a refusal can be matched. */
function requestIdOf(value: Record<string, unknown>): Pick<ErrorFrame, "requestId"> {
  const requestId = value.requestId;
  return typeof requestId === "string" && requestId.length > 0 && requestId.length <= 100
    ? { requestId }
    : {};
}

/**
 * Checks one inbound WebSocket message against the client frame schemas. `message` is what
 * Elysia hands over: text that looked like JSON arrives parsed, anything else as the text itself
 * (or bytes for a binary frame). Refusals come back as `error` frames to send, never as throws:
 * a bad frame must not end the connection.
 *
 * @example
 * const reading = readClientFrame(message, 256 * 1024);
 * if (!reading.ok) socket.send(JSON.stringify(reading.error));
 */
export function readClientFrame(message: unknown, maxFrameBytes: number): ClientFrameReading {
  if (typeof message === "string" || message instanceof Uint8Array || message instanceof ArrayBuffer) {
    const size = typeof message === "string" ? Buffer.byteLength(message) : message.byteLength;
    if (size > maxFrameBytes) {
      return refused("PAYLOAD_TOO_LARGE", `A frame is at most ${maxFrameBytes} bytes`);
    }
    return refused("MALFORMED_JSON", "A frame is a JSON object in a text message");
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return refused("VALIDATION_FAILED", "A frame is a JSON object with a type");
  }
  // Parsed already, so the size is measured again: anything that big fails the schema anyway,
  // and this names the real problem.
  if (Buffer.byteLength(JSON.stringify(message)) > maxFrameBytes) {
    return refused(
      "PAYLOAD_TOO_LARGE",
      `A frame is at most ${maxFrameBytes} bytes`,
      requestIdOf(message as Record<string, unknown>),
    );
  }
  const fields = message as Record<string, unknown>;
  if (!isClientFrameType(fields.type)) {
    return refused("VALIDATION_FAILED", `Unknown frame type; one of ${frameTypes.join(", ")}`, {
      ...requestIdOf(fields),
      details: [{ path: "/type", message: `must be one of ${frameTypes.join(", ")}` }],
    });
  }
  const schema = clientFrameSchemas[fields.type];
  if (!Value.Check(schema, fields)) {
    const details = [...Value.Errors(schema, fields)].slice(0, 20).map((issue) => ({
      path: issue.path || "/",
      message: issue.message,
    }));
    return refused("VALIDATION_FAILED", `The ${fields.type} frame is invalid`, {
      ...requestIdOf(fields),
      details,
    });
  }
  return { ok: true, frame: fields as ClientFrame };
}
