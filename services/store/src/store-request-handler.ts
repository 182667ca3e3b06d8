import { AppError, type StoreRequest } from "@chat/contracts";
import type { MessageRepository } from "./message-repository.ts";

function chatNotFound(): never {
  throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
}

/** Answers one store request from the repository; the reply shapes are `StoreReplies` in @chat/clients. */
export async function handleStoreRequest(
  repository: MessageRepository,
  request: StoreRequest,
): Promise<unknown> {
  switch (request.type) {
    case "store.create_user":
      await repository.createUser(request.user);
      return null;
    case "store.find_user_by_email":
      return repository.findUserByEmail(request.email);
    case "store.find_user_by_id":
      return repository.findUserById(request.userId);
    case "store.create_chat":
      return repository.createChat({ ...request.chat, userId: request.userId });
    case "store.get_chat": {
      const chat = await repository.getChat(request.chatId, request.userId);
      if (!chat) return null;
      if (request.messageLimit === 0) return { chat, messages: [], hasOlderMessages: false };
      const recent = await repository.recentMessages(request.chatId, request.userId, request.messageLimit);
      return { chat, messages: recent.messages, hasOlderMessages: recent.hasOlder };
    }
    case "store.list_chats":
      return repository.listChats(request.userId, { cursor: request.cursor, limit: request.limit });
    case "store.list_messages": {
      if (!(await repository.getChat(request.chatId, request.userId))) return null;
      return repository.listMessages(request.chatId, request.userId, {
        cursor: request.cursor,
        limit: request.limit,
      });
    }
    case "store.append_message": {
      const created = await repository.appendMessage(request.userId, request.message);
      if (!created && !(await repository.getChat(request.message.chatId, request.userId))) chatNotFound();
      return { created };
    }
    case "store.rename_chat":
      return repository.renameChat(request.chatId, request.userId, request.title);
    case "store.delete_chat":
      return { deleted: await repository.deleteChat(request.chatId, request.userId) };
  }
}
