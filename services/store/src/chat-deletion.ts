import { AppError } from "@chat/contracts";
import { attachmentObjectKeys } from "@chat/storage";
import type { StoreRepositories } from "./store-repositories.ts";
import type { StoreRequestContext } from "./store-request-context.ts";

/**
 * Deletes a chat of the user with its attachments and share links: the files' objects first, then
 * their rows, then the links and the chat, so a crash at any point leaves a delete that a retry
 * finishes and no file without a row.
 */
export async function deleteChatWithFiles(
  store: StoreRepositories,
  chatId: string,
  userId: string,
  context: StoreRequestContext,
): Promise<boolean> {
  if (!(await store.chats.getChat(chatId, userId))) return false;
  const attachments = await store.attachments.chatAttachments(chatId);
  if (attachments.length > 0) {
    if (!context.storage)
      throw new AppError("INTERNAL", "The store has no file storage to delete a chat's files");
    for (const attachment of attachments) {
      for (const key of attachmentObjectKeys(attachment.storageKey)) await context.storage.delete(key);
    }
    await store.attachments.deleteChatAttachments(chatId);
  }
  await store.shares.deleteChatShares(chatId);
  return store.chats.deleteChat(chatId, userId);
}
