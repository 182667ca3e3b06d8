import { AppError } from "@chat/contracts";
import { attachmentObjectKeys } from "@chat/storage";
import { deleteChatWithFiles } from "./chat-deletion.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import type { StoreRequestContext } from "./store-request-context.ts";

/** Chats read per round while a user's chats are deleted. */
const chatsPerRound = 100;

/**
 * Deletes everything the store keeps of a user: the chats left (with their messages and files),
 * the files never sent, projects, share links, API keys and sign-ins, the usage ledger, the staff alerts that name the
 * user and a recipient entry that is the user; the user's row goes last, so a crash part-way
 * leaves an account whose deletion can be asked again and finishes. The audit log of staff
 * actions is kept: it records what staff did, not what the user wrote.
 */
export async function eraseUser(
  store: StoreRepositories,
  userId: string,
  context: StoreRequestContext,
): Promise<{ chats: number; files: number; erased: boolean }> {
  let chats = 0;
  for (;;) {
    const page = await store.chats.listChats(userId, { limit: chatsPerRound });
    let deleted = 0;
    for (const chat of page.items) {
      if (await deleteChatWithFiles(store, chat.id, userId, context)) deleted++;
    }
    chats += deleted;
    if (page.items.length < chatsPerRound || deleted === 0) break;
  }
  const files = await store.attachments.ownedAttachments(userId);
  if (files.length > 0 && !context.storage) {
    throw new AppError("INTERNAL", "The store has no file storage to delete an account's files");
  }
  for (const file of files) {
    for (const key of attachmentObjectKeys(file.storageKey)) await context.storage?.delete(key);
    await store.attachments.deleteAttachment(userId, file.id);
  }
  await store.shares.eraseUserShares(userId);
  await store.chatProjects.eraseUserProjects(userId);
  await store.credentials.eraseUserCredentials(userId);
  await store.usage.eraseUserUsage(userId);
  await store.notifications.eraseUserDeliveries(userId);
  for (const recipient of await store.notifications.listRecipients()) {
    if (recipient.userId === userId) await store.notifications.deleteRecipient(recipient.id);
  }
  const erased = await store.users.deleteUser(userId);
  return { chats, files: files.length, erased };
}
