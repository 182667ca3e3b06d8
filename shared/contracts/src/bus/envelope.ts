import { type TProperties, Type } from "@sinclair/typebox";

/** Version of the bus message shapes; bumped when a shape changes incompatibly. */
export const BUS_MESSAGE_VERSION = 1;

/** Fields every bus message carries. */
export const EnvelopeFields = {
  id: Type.String({ minLength: 1, description: "Unique per message; used for idempotency and logs" }),
  v: Type.Literal(BUS_MESSAGE_VERSION),
  chatId: Type.String({ description: "The chat this message is about; empty when it is about none" }),
  occurredAt: Type.String({ format: "date-time" }),
  traceparent: Type.String({ description: "W3C trace context of the request that caused it" }),
};

export type Envelope = {
  id: string;
  type: string;
  v: typeof BUS_MESSAGE_VERSION;
  chatId: string;
  occurredAt: string;
  traceparent: string;
};

/**
 * The schema of one bus message: the envelope's fields, its `type` and its own fields.
 *
 * @example
 * export const DeleteChatCommand = busMessage("delete_chat", { userId: Id });
 */
export function busMessage<T extends string, P extends TProperties>(type: T, properties: P) {
  return Type.Object({ ...EnvelopeFields, type: Type.Literal(type), ...properties });
}

/** Builds an envelope for a new bus message. */
export function newEnvelope<T extends string>(
  type: T,
  chatId: string,
  context: { traceparent: string; id: string; now: Date },
): Envelope & { type: T } {
  return {
    id: context.id,
    type,
    v: BUS_MESSAGE_VERSION,
    chatId,
    occurredAt: context.now.toISOString(),
    traceparent: context.traceparent,
  };
}
