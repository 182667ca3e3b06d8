import type { Message } from "@chat/contracts";
import type { StoreRepositories } from "./store-repositories.ts";

/**
 * Writes an imported chat once: the chat, its messages oldest first (each after its parent), then
 * its active leaf. A chat of that id whose last message is there already is left as it is
 * (`created: false`, whatever was written in it since), so a second import of the same file
 * writes nothing; one interrupted half way is completed by the next, each append being
 * idempotent by its id.
 */
export async function importChat(
  store: StoreRepositories,
  request: {
    userId: string;
    chat: {
      id: string;
      title: string;
      model: string;
      systemPrompt?: string;
      temperature?: number;
      createdAt: string;
    };
    messages: Message[];
    activeLeafId: string | null;
  },
): Promise<{ created: boolean }> {
  const { userId, chat } = request;
  const existing = await store.chats.getChat(chat.id, userId);
  const last = request.messages.at(-1);
  const complete = existing && (!last || (await store.chats.getMessage(chat.id, userId, last.id)));
  if (complete) return { created: false };
  if (!existing) await store.chats.createChat({ ...chat, userId });
  const active = await store.chats.activeLeaf(chat.id, userId);
  let version = active?.version ?? 0;
  for (const message of request.messages) {
    version += 1;
    await store.chats.appendMessage(userId, { ...message, chatId: chat.id }, { activeLeafVersion: version });
  }
  if (request.activeLeafId)
    await store.chats.setActiveLeaf(chat.id, userId, request.activeLeafId, version + 1);
  return { created: !existing };
}
