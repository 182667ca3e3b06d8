import type { Bus } from "@chat/bus";
import { ChatEventMessage, chatEventKey, newEnvelope, userEventKey } from "@chat/contracts";
import { type Logger, newId, type RunningService } from "@chat/runtime";

type ChatUpdated = Extract<ChatEventMessage, { type: "chat_updated" }>;

/**
 * Starts the notifier: turns chat events that concern a user into in-app notifications on the
 * user's routing keys, which every connection of that user receives.
 */
export async function startNotifier(dependencies: { bus: Bus; logger: Logger }): Promise<RunningService> {
  const { bus, logger } = dependencies;
  const subscription = await bus.consumeEvents<ChatUpdated>(
    [chatEventKey("*", "chat_updated")],
    { name: "notifier", schema: ChatEventMessage },
    async (event) => {
      if (event.type !== "chat_updated") return;
      await bus.publishEvent(userEventKey(event.userId, "chat_updated"), event);
      const notificationId = newId();
      const notification: ChatEventMessage = {
        ...newEnvelope("notification", event.chatId, {
          id: newId(),
          traceparent: event.traceparent,
          now: new Date(),
        }),
        userId: event.userId,
        eventId: notificationId,
        data: {
          chatId: event.chatId,
          notificationId,
          kind: "chat_renamed",
          title: "Chat renamed",
          body: event.data.chat.title,
        },
      };
      await bus.publishEvent(userEventKey(event.userId, "notification"), notification);
      logger.debug(
        { chatId: event.chatId, userId: event.userId },
        "chat update pushed to the user's devices",
      );
    },
  );
  return { name: "notifier", checks: { bus: () => bus.isReady() }, stop: () => subscription.close() };
}
