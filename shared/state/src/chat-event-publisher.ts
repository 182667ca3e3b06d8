import type { Bus } from "@chat/bus";
import {
  type ChatEvent,
  type ChatEventMessage,
  chatEventKey,
  type LoggedChatEvent,
  newEnvelope,
} from "@chat/contracts";
import type { ReplayLog } from "./actor-state.ts";

/**
 * Events with durable consumers on the bus (the store, the notifier), which must not miss them;
 * every other event reaches clients through the replay log alone. Help requests and takeovers are
 * for the notifier's staff alerts.
 */
const durableTypes = new Set<ChatEvent["type"]>([
  "message_complete",
  "message_deleted",
  "chat_updated",
  "help_requested",
  "agent_joined",
]);

/**
 * Appends a client-visible event to the chat's replay log, which gives it its id and delivers it to
 * the gateways following the chat in the same call; the events durable consumers need also go on
 * the bus, confirmed. The log, not the broker, is what makes the stream recoverable.
 */
export class ChatEventPublisher {
  constructor(
    private readonly bus: Bus,
    private readonly replayLog: ReplayLog,
    private readonly options: { newId: () => string; now?: () => Date },
  ) {}

  async publish(
    event: ChatEvent,
    context: { chatId: string; userId: string; traceparent: string },
  ): Promise<LoggedChatEvent> {
    const logged = await this.replayLog.append(context.chatId, event);
    if (!durableTypes.has(event.type)) return logged;
    const message = {
      ...newEnvelope(event.type, context.chatId, {
        id: this.options.newId(),
        traceparent: context.traceparent,
        now: this.options.now?.() ?? new Date(),
      }),
      userId: context.userId,
      eventId: logged.eventId,
      data: event.data,
    } as ChatEventMessage;
    await this.bus.publishEvent(chatEventKey(context.chatId, event.type), message, { durable: true });
    return logged;
  }
}
