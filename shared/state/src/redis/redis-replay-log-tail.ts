import { MessageDecoder } from "@chat/bus";
import { ChatEvent, parseEventId } from "@chat/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { FollowedChatEvent, ReplayLogTail, ReplayLogTailOptions } from "../actor-state.ts";
import type { RedisKeySpace } from "./redis-key-space.ts";

const chatEvents = new MessageDecoder<ChatEvent>(ChatEvent);

/**
 * Reads what the append script publishes on a chat's channel: `<event id>\n<previous id>\n<event
 * JSON>`, the previous id empty for a new log's first entry. Null for anything else.
 */
export function readPublishedEvent(chatId: string, payload: string): FollowedChatEvent | null {
  const idEnd = payload.indexOf("\n");
  const previousEnd = payload.indexOf("\n", idEnd + 1);
  if (idEnd < 0 || previousEnd < 0) return null;
  const eventId = payload.slice(0, idEnd);
  const previousEventId = payload.slice(idEnd + 1, previousEnd) || null;
  if (!parseEventId(eventId) || (previousEventId !== null && !parseEventId(previousEventId))) return null;
  const decoded = chatEvents.decode(payload.slice(previousEnd + 1));
  if (!decoded.ok) return null;
  return { chatId, event: { ...decoded.message, eventId }, previousEventId };
}

/**
 * A replay-log tail over Redis pub/sub: one subscriber connection, a channel per watched chat.
 * Pub/sub keeps nothing for a subscriber that was away, so after the connection is made again it
 * subscribes every watched chat anew and only then reports the gap.
 */
export class RedisReplayLogTail implements ReplayLogTail {
  private readonly chatIds = new Map<string, string>();
  private connectedBefore = false;
  private closed = false;

  private constructor(
    private readonly subscriber: Redis,
    private readonly keys: RedisKeySpace,
    private readonly options: ReplayLogTailOptions,
    private readonly logger: Logger,
  ) {}

  static open(
    client: Redis,
    keys: RedisKeySpace,
    options: ReplayLogTailOptions,
    logger: Logger,
  ): RedisReplayLogTail {
    const subscriber = client.duplicate({
      connectionName: `${keys.keyPrefix}:replay-tail`,
      autoResubscribe: false,
    });
    const tail = new RedisReplayLogTail(subscriber, keys, options, logger);
    subscriber.on("message", (channel: string, payload: string) => tail.receive(channel, payload));
    subscriber.on("ready", () => void tail.connected());
    subscriber.on("error", (error: Error) => logger.warn({ err: error }, "replay tail connection error"));
    return tail;
  }

  async watch(chatId: string): Promise<void> {
    const channel = this.keys.chatChannel(chatId);
    this.chatIds.set(channel, chatId);
    await this.subscriber.subscribe(channel);
  }

  async unwatch(chatId: string): Promise<void> {
    const channel = this.keys.chatChannel(chatId);
    if (!this.chatIds.delete(channel) || this.closed) return;
    await this.subscriber.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.chatIds.clear();
    this.subscriber.disconnect();
  }

  private async connected(): Promise<void> {
    if (!this.connectedBefore) {
      this.connectedBefore = true;
      return;
    }
    try {
      if (this.chatIds.size > 0) await this.subscriber.subscribe(...this.chatIds.keys());
    } catch (error) {
      // The connection dropped again; its next `ready` subscribes and reports the gap.
      this.logger.warn({ err: error }, "replay tail could not subscribe again");
      return;
    }
    this.logger.warn({ chats: this.chatIds.size }, "replay tail connected again: reporting the gap");
    this.options.onGap();
  }

  private receive(channel: string, payload: string): void {
    const chatId = this.chatIds.get(channel);
    if (chatId === undefined) return;
    const followed = readPublishedEvent(chatId, payload);
    if (!followed) {
      this.logger.warn({ channel, bytes: payload.length }, "dropped a malformed replay tail message");
      return;
    }
    try {
      this.options.onEvent(followed);
    } catch (error) {
      this.logger.error({ err: error, chatId }, "a replay tail listener threw");
    }
  }
}
