import { newEnvelope, type StoreRequest, type StoreRequestOf, storeReplySchemas } from "@chat/contracts";
import type { Static } from "@sinclair/typebox";
import type { Bus } from "../bus.ts";

/** A request's own fields; `chatId` is the envelope's, required by the requests about one chat. */
type RequestFields<T extends StoreRequest["type"]> = Omit<
  StoreRequestOf<T>,
  "id" | "type" | "v" | "chatId" | "occurredAt" | "traceparent"
> & { chatId?: string };

/**
 * Typed requests to the message store over the bus: builds each envelope and checks each reply
 * against its schema in `storeReplySchemas`.
 *
 * @example
 * const chat = await store.call("store.get_chat", { chatId, userId, messageLimit: 0 }, traceparent);
 */
export class StoreClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: { timeoutMs: number; newId: () => string; now?: () => Date },
  ) {}

  call<T extends StoreRequest["type"]>(
    type: T,
    fields: RequestFields<T>,
    traceparent: string,
  ): Promise<Static<(typeof storeReplySchemas)[T]>> {
    const chatId = "chatId" in fields && typeof fields.chatId === "string" ? fields.chatId : "";
    const envelope = newEnvelope(type, chatId, {
      id: this.options.newId(),
      traceparent,
      now: this.options.now?.() ?? new Date(),
    });
    return this.bus.request(
      "store",
      { ...envelope, ...fields },
      { replySchema: storeReplySchemas[type], timeoutMs: this.options.timeoutMs },
    );
  }
}
