import type { Bus, EventStream } from "@chat/bus";
import { ChatEventMessage, type LoggedChatEvent } from "@chat/contracts";
import type { FollowedChatEvent, ReplayLog, ReplayLogTail } from "@chat/state";
import type { Logger } from "pino";
import { ListenerRegistry } from "./listener-registry.ts";

/** A chat's live event, with the id of the log entry before it (null when it began a new log). */
export type ChatEventListener = (event: LoggedChatEvent, previousEventId: string | null) => void;
export type UserEventListener = (event: LoggedChatEvent) => void;

/**
 * What a listener does when events may have been missed (the replay-log tail's connection or the
 * instance's event queue was lost and made again): it repairs its stream from the replay log or
 * closes it for the client to resume.
 */
export type LiveEventGapHandler = () => void;

/** No dots or wildcards: an id is one word of a routing key. */
const routingWord = /^[^.*#]+$/;

/**
 * The gateway instance's live events, fanned out to its connections: a chat's from the replay
 * log's tail (the same write that logs an event delivers it), watched while a connection follows
 * the chat; a user's from the instance's exclusive event queue on the bus, bound while a
 * connection listens.
 */
export class LiveEventHub {
  private constructor(
    private readonly chats: ListenerRegistry<[LoggedChatEvent, string | null]>,
    private readonly users: ListenerRegistry<[LoggedChatEvent]>,
    private readonly sources: { tail: ReplayLogTail | null; stream: EventStream | null },
    private readonly logger: Logger,
  ) {}

  static async open(bus: Bus, replayLog: ReplayLog, logger: Logger): Promise<LiveEventHub> {
    const sources: { tail: ReplayLogTail | null; stream: EventStream | null } = { tail: null, stream: null };
    const chats = new ListenerRegistry<[LoggedChatEvent, string | null]>(
      {
        attach: (chatId) => sources.tail?.watch(chatId) ?? Promise.resolve(),
        detach: (chatId) => sources.tail?.unwatch(chatId) ?? Promise.resolve(),
      },
      logger,
    );
    const users = new ListenerRegistry<[LoggedChatEvent]>(
      {
        attach: (userId) => sources.stream?.bind(`user.${userId}.*`) ?? Promise.resolve(),
        detach: (userId) => sources.stream?.unbind(`user.${userId}.*`) ?? Promise.resolve(),
      },
      logger,
    );
    const hub = new LiveEventHub(chats, users, sources, logger);
    sources.tail = await replayLog.openTail({
      onEvent: ({ chatId, event, previousEventId }: FollowedChatEvent) =>
        chats.dispatch(chatId, event, previousEventId),
      onGap: () => hub.reportGap(chats, "replay log tail"),
    });
    sources.stream = await bus.openEventStream<ChatEventMessage>(
      ChatEventMessage,
      (message, routingKey) => users.dispatch(routingKey.split(".", 2)[1] ?? "", toLoggedEvent(message)),
      { onResubscribed: () => hub.reportGap(users, "event queue") },
    );
    return hub;
  }

  /** Hears every event appended to the chat's replay log from now on, in the log's order. */
  async followChat(
    chatId: string,
    listener: ChatEventListener,
    onGap: LiveEventGapHandler,
  ): Promise<() => Promise<void>> {
    return this.chats.add(checkedId(chatId), listener, onGap);
  }

  /** Hears the events published for every connection of the user (they have no replay log). */
  async followUser(
    userId: string,
    listener: UserEventListener,
    onGap: LiveEventGapHandler,
  ): Promise<() => Promise<void>> {
    return this.users.add(checkedId(userId), listener, onGap);
  }

  /** Chats and users followed by at least one connection. */
  get followedKeys(): number {
    return this.chats.size + this.users.size;
  }

  async close(): Promise<void> {
    this.chats.clear();
    this.users.clear();
    await Promise.all([this.sources.tail?.close(), this.sources.stream?.close()]);
  }

  private reportGap(registry: { reportGap(): void; listenerCount: number }, source: string): void {
    this.logger.warn(
      { source, listeners: registry.listenerCount },
      "live events may have been missed: repairing open streams",
    );
    registry.reportGap();
  }
}

function checkedId(id: string): string {
  if (!routingWord.test(id)) throw new RangeError(`Not an id: ${id}`);
  return id;
}

function toLoggedEvent(message: ChatEventMessage): LoggedChatEvent {
  return { type: message.type, data: message.data, eventId: message.eventId } as LoggedChatEvent;
}
