import type { Bus } from "@chat/bus";
import {
  type AnswerDraft,
  type ApiKey,
  type Chat,
  type ChatSearchHit,
  type Message,
  newEnvelope,
  type RefreshRotation,
  type StoredUser,
  type StoreRequest,
  type StoreRequestOf,
  type UsageReport,
} from "@chat/contracts";

type Page<T> = { items: T[]; nextCursor: string | null };

/** What the store answers to each request type. */
export type StoreReplies = {
  /** The user as stored, with the role the write decided (`adminIfFirst`). */
  "store.create_user": StoredUser;
  /** The user of this identity: the one created now, or the one created on an earlier sight. */
  "store.find_or_create_external_user": StoredUser;
  "store.find_user_by_email": StoredUser | null;
  "store.find_user_by_id": StoredUser | null;
  "store.create_chat": Chat;
  "store.get_chat": { chat: Chat; messages: Message[]; hasOlderMessages: boolean } | null;
  "store.list_chats": Page<Chat>;
  /** The user's chats whose title or messages contain the query (case-insensitive), newest activity first. */
  "store.search_chats": Page<ChatSearchHit>;
  "store.list_messages": Page<Message> | null;
  "store.append_message": { created: boolean };
  /** `saved` is false when the answer was already written or deleted, or the chat is gone. */
  "store.save_answer_draft": { saved: boolean };
  "store.list_answer_drafts": AnswerDraft[];
  /** null when the chat is not the user's; `updated` is false when `onlyIfTitle` did not match. */
  "store.update_chat": { chat: Chat; updated: boolean } | null;
  "store.delete_chat": { deleted: boolean };
  "store.create_api_key": ApiKey;
  /** Newest first. */
  "store.list_api_keys": ApiKey[];
  "store.delete_api_key": { deleted: boolean };
  "store.find_api_key": { apiKey: ApiKey; user: StoredUser } | null;
  "store.usage_report": UsageReport;
  "store.start_refresh_family": null;
  "store.rotate_refresh_token": RefreshRotation;
  /** The revoked family's id; null when no token has this hash. */
  "store.revoke_refresh_family": { familyId: string | null };
  /** false when the user has no family of that id. */
  "store.revoke_refresh_family_by_id": { revoked: boolean };
};

/** A request's own fields; `chatId` is the envelope's, required by the requests about one chat. */
type RequestFields<T extends StoreRequest["type"]> = Omit<
  StoreRequestOf<T>,
  "id" | "type" | "v" | "chatId" | "occurredAt" | "traceparent"
> & { chatId?: string };

/**
 * Typed requests to the message store over the bus.
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
  ): Promise<StoreReplies[T]> {
    const chatId = "chatId" in fields && typeof fields.chatId === "string" ? fields.chatId : "";
    const envelope = newEnvelope(type, chatId, {
      id: this.options.newId(),
      traceparent,
      now: this.options.now?.() ?? new Date(),
    });
    return this.bus.request<StoreReplies[T]>("store", { ...envelope, ...fields }, this.options.timeoutMs);
  }
}
