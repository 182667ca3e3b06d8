import { AppError, SerializedError } from "@chat/contracts";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { MessageDecoder } from "./message-decoder.ts";

/** What travels back to a requester: the handler's value, or its error as plain data. */
export const Reply = Type.Union([
  Type.Object({ ok: Type.Literal(true), value: Type.Optional(Type.Unknown()) }),
  Type.Object({ ok: Type.Literal(false), error: SerializedError }),
]);
export type Reply = Static<typeof Reply>;

const replyDecoder = new MessageDecoder<Reply>(Reply);

// Reply schemas are module constants of the contracts: each is compiled once, on first use.
const valueCheckers = new WeakMap<TSchema, MessageDecoder<unknown>>();

function valueCheckerOf(schema: TSchema): MessageDecoder<unknown> {
  let checker = valueCheckers.get(schema);
  if (!checker) {
    checker = new MessageDecoder<unknown>(schema);
    valueCheckers.set(schema, checker);
  }
  return checker;
}

/**
 * Reads a reply body: the handler's value once it passes `replySchema`, or the handler's error
 * rebuilt as an AppError. A value that fails its schema is refused with UNAVAILABLE, not
 * retryable: the other side does not speak this contract, and asking again will not change that.
 *
 * @example
 * const chat = readReply(message.content.toString(), Chat, "update_chat");
 */
export function readReply<S extends TSchema>(body: string, replySchema: S, answering: string): Static<S> {
  const decoded = replyDecoder.decode(body);
  if (!decoded.ok) throw new AppError("INTERNAL", `Unreadable reply: ${decoded.reason}`);
  if (!decoded.message.ok) throw AppError.fromSerialized(decoded.message.error);
  const checked = valueCheckerOf(replySchema).check(decoded.message.value);
  if (!checked.ok) {
    throw new AppError("UNAVAILABLE", `The reply to ${answering} ${checked.reason}`, { retryable: false });
  }
  return checked.message as Static<S>;
}
