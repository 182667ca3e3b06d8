import { AppError } from "@chat/contracts";

/** A chat to delete and the user it belongs to. */
export type ListedChat = { chatId: string; userId: string };

/**
 * Deletes chats page by page, each through its actor (messages, files, replay log and actor
 * state go with it): `nextPage` lists the chats still there, `deleteChat` deletes one. A chat
 * another process deleted first answers CHAT_NOT_FOUND and is skipped. Stops at a short page, at
 * a page where nothing could be deleted, or once `atMost` chats are gone; answers how many.
 *
 * @example
 * const deleted = await deleteListedChats(
 *   () => store.call("store.list_inactive_chats", { before, limit: 100 }, traceparent),
 *   (chat) => commands.delete(chat, traceparent),
 *   { pageSize: 100, atMost: 1_000 },
 * );
 */
export async function deleteListedChats(
  nextPage: () => Promise<readonly ListedChat[]>,
  deleteChat: (chat: ListedChat) => Promise<unknown>,
  options: { pageSize: number; atMost?: number },
): Promise<number> {
  const atMost = options.atMost ?? Number.POSITIVE_INFINITY;
  let deleted = 0;
  while (deleted < atMost) {
    const page = await nextPage();
    let deletedNow = 0;
    for (const chat of page) {
      try {
        await deleteChat(chat);
        deletedNow++;
      } catch (error) {
        if (!(AppError.isInstance(error) && error.code === "CHAT_NOT_FOUND")) throw error;
      }
    }
    deleted += deletedNow;
    if (page.length < options.pageSize || deletedNow === 0) break;
  }
  return deleted;
}
