import { AppError, type StoreReplies, type StoreRequest, type StoreRequestOf } from "@chat/contracts";
import type { MessageRepository } from "./message-repository.ts";

type StoreRequestType = StoreRequest["type"];

/** One handler per request type, each typed to answer exactly the reply that `StoreReplies` promises. */
type StoreRequestHandlers = {
  [T in StoreRequestType]: (
    repository: MessageRepository,
    request: StoreRequestOf<T>,
  ) => Promise<StoreReplies[T]>;
};

function chatNotFound(): never {
  throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
}

const handlers: StoreRequestHandlers = {
  "store.create_user": (repository, request) =>
    repository.createUser(request.user, { adminIfFirst: request.adminIfFirst }),
  "store.find_or_create_external_user": (repository, request) =>
    repository.findOrCreateExternalUser(request.identity, request.user),
  "store.find_user_by_email": (repository, request) => repository.findUserByEmail(request.email),
  "store.find_user_by_id": (repository, request) => repository.findUserById(request.userId),
  "store.create_chat": (repository, request) =>
    repository.createChat({ ...request.chat, userId: request.userId }),
  "store.get_chat": async (repository, request) => {
    const chat = await repository.getChat(request.chatId, request.userId);
    if (!chat) return null;
    if (request.messageLimit === 0) return { chat, messages: [], hasOlderMessages: false };
    const recent = await repository.recentMessages(request.chatId, request.userId, request.messageLimit);
    return { chat, messages: recent.messages, hasOlderMessages: recent.hasOlder };
  },
  "store.list_chats": (repository, request) =>
    repository.listChats(request.userId, { cursor: request.cursor, limit: request.limit }),
  "store.search_chats": (repository, request) =>
    repository.searchChats(request.userId, request.query, { cursor: request.cursor, limit: request.limit }),
  "store.list_messages": async (repository, request) => {
    if (!(await repository.getChat(request.chatId, request.userId))) return null;
    return repository.listMessages(request.chatId, request.userId, {
      cursor: request.cursor,
      limit: request.limit,
    });
  },
  "store.append_message": async (repository, request) => {
    const created = await repository.appendMessage(request.userId, request.message);
    if (!created && !(await repository.getChat(request.message.chatId, request.userId))) chatNotFound();
    return { created };
  },
  "store.save_answer_draft": async (repository, request) => ({
    saved: await repository.saveAnswerDraft(request.draft),
  }),
  "store.list_answer_drafts": (repository, request) => repository.listAnswerDrafts(request.limit),
  "store.update_chat": (repository, request) =>
    repository.updateChat(
      request.chatId,
      request.userId,
      { title: request.title, model: request.model, systemPrompt: request.systemPrompt },
      request.onlyIfTitle,
    ),
  "store.delete_chat": async (repository, request) => ({
    deleted: await repository.deleteChat(request.chatId, request.userId),
  }),
  "store.create_api_key": (repository, request) => repository.createApiKey(request.userId, request.apiKey),
  "store.list_api_keys": (repository, request) => repository.listApiKeys(request.userId),
  "store.delete_api_key": async (repository, request) => ({
    deleted: await repository.deleteApiKey(request.userId, request.keyId),
  }),
  "store.find_api_key": (repository, request) => repository.findApiKeyByHash(request.hash, request.usedAt),
  "store.usage_report": (repository, request) =>
    repository.usageReport(request.userId, request.from, request.to),
  "store.start_refresh_family": async (repository, request) => {
    await repository.startRefreshFamily(request.token);
    return null;
  },
  "store.rotate_refresh_token": (repository, request) =>
    repository.rotateRefreshToken(request.hash, request.successor),
  "store.revoke_refresh_family": async (repository, request) => ({
    familyId: await repository.revokeRefreshFamily(request.hash, request.revokedAt),
  }),
  "store.revoke_refresh_family_by_id": async (repository, request) => ({
    revoked: await repository.revokeRefreshFamilyById(request.familyId, request.userId, request.revokedAt),
  }),
};

/**
 * Answers one store request from the repository, with the reply shape of its type in `StoreReplies`
 * (@chat/contracts).
 *
 * @example
 * const reply = await handleStoreRequest(repository, request); // request.type "store.list_api_keys": ApiKey[]
 */
export async function handleStoreRequest(
  repository: MessageRepository,
  request: StoreRequest,
): Promise<StoreReplies[StoreRequestType]> {
  // TypeScript cannot tie the handler picked by `request.type` to that same request's type.
  const handler = handlers[request.type] as (
    repository: MessageRepository,
    request: StoreRequest,
  ) => Promise<StoreReplies[StoreRequestType]>;
  return handler(repository, request);
}
