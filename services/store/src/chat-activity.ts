import type { ChatActivity, StoreReplies, StoreRequest } from "@chat/contracts";

/** What a store write changed in a conversation's console row: the chat, its owner, and how. */
export type ChatActivityChange = Pick<ChatActivity, "chatId" | "userId" | "change">;

/**
 * The change a store request made to a conversation's console row, or null when it made none
 * (a read, a refused or repeated write, another aggregate).
 *
 * @example
 * chatActivityOf(request, reply); // { chatId: "c1", userId: "u1", change: "changed" } after store.create_chat
 */
export function chatActivityOf(
  request: StoreRequest,
  reply: StoreReplies[StoreRequest["type"]],
): ChatActivityChange | null {
  const changed = (chatId: string, userId: string) => ({ chatId, userId, change: "changed" as const });
  switch (request.type) {
    case "store.create_chat":
      return changed(request.chat.id, request.userId);
    case "store.append_message":
      return (reply as StoreReplies["store.append_message"]).created
        ? changed(request.message.chatId, request.userId)
        : null;
    case "store.mark_chat":
    case "store.update_chat":
      return reply === null ? null : changed(request.chatId, request.userId);
    case "store.delete_chat":
      return (reply as StoreReplies["store.delete_chat"]).deleted
        ? { chatId: request.chatId, userId: request.userId, change: "deleted" }
        : null;
    default:
      return null;
  }
}
