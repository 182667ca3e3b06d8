import { AppError, SerializedError } from "@chat/contracts";
import { type Static, Type } from "@sinclair/typebox";
import { MessageDecoder } from "./message-decoder.ts";

/** What travels back to a requester: the handler's value, or its error as plain data. */
export const Reply = Type.Union([
  Type.Object({ ok: Type.Literal(true), value: Type.Optional(Type.Unknown()) }),
  Type.Object({ ok: Type.Literal(false), error: SerializedError }),
]);
export type Reply = Static<typeof Reply>;

const replyDecoder = new MessageDecoder<Reply>(Reply);

/**
 * Reads a reply body: the handler's value, or its error rebuilt as an AppError.
 *
 * @example
 * const chat = readReply<Chat>(message.content.toString());
 */
export function readReply<R>(body: string): R {
  const decoded = replyDecoder.decode(body);
  if (!decoded.ok) throw new AppError("INTERNAL", `Unreadable reply: ${decoded.reason}`);
  if (decoded.message.ok) return decoded.message.value as R;
  throw AppError.fromSerialized(decoded.message.error);
}
