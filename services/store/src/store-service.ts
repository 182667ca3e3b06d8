import type { Bus } from "@chat/bus";
import {
  AdminEmails,
  type ChatActivity,
  ChatEventMessage,
  chatActivityKey,
  chatEventKey,
  DEFAULT_SESSION_IDLE_MINUTES,
  newEnvelope,
  StoreRequest,
  storeReplySchemas,
  UsageRecorded,
  usageEventKey,
} from "@chat/contracts";
import { type Logger, type RunningService, newId as randomId } from "@chat/runtime";
import type { ObjectStorage } from "@chat/storage";
import { ChatAttributes, inSpan } from "@chat/telemetry";
import { ATTR_DB_OPERATION_NAME } from "@opentelemetry/semantic-conventions";
import { type ChatActivityChange, chatActivityOf } from "./chat-activity.ts";
import { EncryptionSweep } from "./encryption/encryption-sweep.ts";
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
 * by record id). After each write that changes a conversation's console row it publishes
 * `chat_activity` (not durable: the console reloads its page when its stream starts again). With
 * encryption at rest on, a background pass moves every stored value to the current key.
 */
export async function startStore(dependencies: {
  bus: Bus;
  repository: StoreRepositories;
  logger: Logger;
  /** ADMIN_EMAILS: a staff action is checked again here against the stored role and this list. */
  adminEmails?: AdminEmails;
  /** Where uploaded files are: a chat's are deleted with it. */
  storage?: Pick<ObjectStorage, "delete">;
  /** SESSION_IDLE_MINUTES: a chat's session ends after this long without activity. */
  sessionIdleMinutes?: number;
  newId?: () => string;
}): Promise<RunningService> {
  const { bus, repository, logger } = dependencies;
  const newId = dependencies.newId ?? randomId;
  const sessionIdleMs = (dependencies.sessionIdleMinutes ?? DEFAULT_SESSION_IDLE_MINUTES) * 60_000;
  const context = {
    adminEmails: dependencies.adminEmails ?? new AdminEmails(undefined),
    storage: dependencies.storage,
    sessionIdleMs,
  };
  const publishActivity = (activity: ChatActivityChange, traceparent: string) => {
    const message: ChatActivity = {
      ...newEnvelope("chat_activity", activity.chatId, { id: newId(), traceparent, now: new Date() }),
      userId: activity.userId,
      change: activity.change,
    };
    // The write is done either way: a console that misses this shows it at its next page.
    bus.publishEvent(chatActivityKey(activity.chatId), message).catch((error: unknown) => {
      logger.warn({ err: error, chatId: activity.chatId }, "chat activity not published");
    });
  };
  const requests = await bus.serve(
    { name: "store", schema: StoreRequest, replySchemas: storeReplySchemas },
    inStoreSpan(async (request) => {
      const reply = await handleStoreRequest(repository, request, context);
      const activity = chatActivityOf(request, reply);
      if (activity) publishActivity(activity, request.traceparent);
      return reply;
    }),
  );
  const completions = await bus.consumeEvents<MessageWrite>(
    [chatEventKey("*", "message_complete"), chatEventKey("*", "message_deleted")],
    { name: "store.completions", schema: ChatEventMessage },
    inStoreSpan(async (event) => {
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
      if (!created) return;
      await repository.console.recordActivity(data.chatId, data.createdAt, sessionIdleMs);
      publishActivity({ chatId: data.chatId, userId: event.userId, change: "changed" }, event.traceparent);
    }),
  );
  const usage = await bus.consumeEvents<UsageRecorded>(
    [usageEventKey("*")],
    { name: "store.usage", schema: UsageRecorded },
    inStoreSpan(async (event) => {
      const { record } = event;
      const created = await repository.usage.recordUsage(record);
      logger.debug({ chatId: record.chatId, usageRecordId: record.id, created }, "usage recorded");
    }),
  );
  const sweep = new EncryptionSweep(repository.encryption, { logger });
  const sweeping = sweep.run().catch((error: unknown) => {
    logger.error({ err: error }, "encryption sweep stopped; it starts over at the next start");
  });
  return {
    name: "store",
    checks: { bus: () => bus.isReady(), repository: () => repository.isReady() },
    async stop() {
      sweep.stop();
      await sweeping;
      await requests.close();
      await completions.close();
      await usage.close();
    },
  };
}

/** A store handler whose every operation (a request, or a write an event asks for) is a span named after it. */
function inStoreSpan<M extends { type: string; chatId: string }, R>(
  handler: (message: M) => Promise<R>,
): (message: M) => Promise<R> {
  return (message) =>
    inSpan(
      `store ${message.type.replace(/^store\./, "")}`,
      { attributes: { [ATTR_DB_OPERATION_NAME]: message.type, [ChatAttributes.chatId]: message.chatId } },
      () => handler(message),
    );
}
