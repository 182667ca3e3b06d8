import { MAX_SHARED_MESSAGES, type SharedMessage, type StoredShare } from "@chat/contracts";
import type { StoreRepositories } from "./store-repositories.ts";

/** The most bytes of messages (as JSON) a snapshot keeps: well under MongoDB's 16 MiB per document. */
const maxSnapshotBytes = 8 * 1024 * 1024;

/**
 * Takes the snapshot of a chat of the user for a share link and stores it: the newest
 * MAX_SHARED_MESSAGES messages, fewer when they would pass `maxSnapshotBytes` (the earliest
 * go first; `truncated` says so), each only with what a reader sees: role, text, time, code
 * blocks. Null when the user has no such chat.
 */
export async function createShare(
  store: StoreRepositories,
  request: { userId: string; chatId: string; shareId: string; createdAt: string },
): Promise<StoredShare | null> {
  const chat = await store.chats.getChat(request.chatId, request.userId);
  if (!chat) return null;
  const recent = await store.chats.recentMessages(request.chatId, request.userId, MAX_SHARED_MESSAGES);
  const messages: SharedMessage[] = recent.messages.map((message) => ({
    role: message.role,
    content: message.content,
    createdAt: message.createdAt,
    ...(message.codeBlocks ? { codeBlocks: message.codeBlocks } : {}),
  }));
  let bytes = messages.reduce((sum, message) => sum + Buffer.byteLength(JSON.stringify(message)), 0);
  let dropped = 0;
  while (bytes > maxSnapshotBytes && dropped < messages.length) {
    bytes -= Buffer.byteLength(JSON.stringify(messages[dropped]));
    dropped++;
  }
  const share: StoredShare = {
    id: request.shareId,
    userId: request.userId,
    chatId: request.chatId,
    title: chat.title,
    model: chat.model,
    createdAt: request.createdAt,
    truncated: recent.hasOlder || dropped > 0,
    messages: messages.slice(dropped),
  };
  await store.shares.createShare(share);
  return share;
}
