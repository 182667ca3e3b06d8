import type { Bus } from "@chat/bus";
import {
  AdminEmails,
  ChatEventMessage,
  chatEventKey,
  StoreRequest,
  storeReplySchemas,
  UsageRecorded,
  usageEventKey,
} from "@chat/contracts";
import type { Logger, RunningService } from "@chat/runtime";
import type { ObjectStorage } from "@chat/storage";
import type { StoreRepositories } from "./store-repositories.ts";
import { handleStoreRequest } from "./store-request-handler.ts";

type MessageWrite = Extract<ChatEventMessage, { type: "message_complete" | "message_deleted" }>;

/**
 * Starts the message store: answers store requests; writes each assistant message once, when its
 * `message_complete` arrives on the store's durable queue (idempotent by message id; it ends the
 * active path unless a newer branch change came first), and removes a message with the versions
 * after it when its `message_deleted` arrives on the same queue (leaving tombstones, since
 * competing store instances may take the deletion before the write); and writes
 * each usage record once, when its `usage_recorded` arrives on the `store.usage` queue (idempotent
 * by record id).
 */
export async function startStore(dependencies: {
  bus: Bus;
  repository: StoreRepositories;
  logger: Logger;
  /** ADMIN_EMAILS: a staff action is checked again here against the stored role and this list. */
  adminEmails?: AdminEmails;
  /** Where uploaded files are: a chat's are deleted with it. */
  storage?: Pick<ObjectStorage, "delete">;
}): Promise<RunningService> {
  const { bus, repository, logger } = dependencies;
  const context = {
    adminEmails: dependencies.adminEmails ?? new AdminEmails(undefined),
    storage: dependencies.storage,
  };
  const requests = await bus.serve(
    { name: "store", schema: StoreRequest, replySchemas: storeReplySchemas },
    (request) => handleStoreRequest(repository, request, context),
  );
  const completions = await bus.consumeEvents<MessageWrite>(
    [chatEventKey("*", "message_complete"), chatEventKey("*", "message_deleted")],
    { name: "store.completions", schema: ChatEventMessage },
    async (event) => {
      if (event.type === "message_deleted") {
        const { chatId, messageId } = event.data;
        const deleted = await repository.chats.deleteMessage(event.userId, chatId, messageId);
        logger.debug({ chatId, messageId, deleted }, "message deleted");
        return;
      }
      if (event.type !== "message_complete") return;
      const { data } = event;
      const created = await repository.chats.appendMessage(
        event.userId,
        {
          id: data.messageId,
          chatId: data.chatId,
          role: "assistant",
          content: data.fullContent,
          createdAt: data.createdAt,
          codeBlocks: data.codeBlocks,
          finishReason: data.finishReason,
          model: data.model,
          usage: data.usage,
          ...(data.parentId !== undefined && { parentId: data.parentId }),
        },
        { activeLeafVersion: data.activeLeafVersion },
      );
      logger.debug({ chatId: data.chatId, messageId: data.messageId, created }, "assistant message stored");
    },
  );
  const usage = await bus.consumeEvents<UsageRecorded>(
    [usageEventKey("*")],
    { name: "store.usage", schema: UsageRecorded },
    async (event) => {
      const { record } = event;
      const created = await repository.usage.recordUsage(record);
      logger.debug({ chatId: record.chatId, usageRecordId: record.id, created }, "usage recorded");
    },
  );
  return {
    name: "store",
    checks: { bus: () => bus.isReady(), repository: () => repository.isReady() },
    async stop() {
      await requests.close();
      await completions.close();
      await usage.close();
    },
  };
}
