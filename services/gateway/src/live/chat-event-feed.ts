import {
  type ChatEventMessage,
  compareEventIds,
  type EventIdParts,
  type LoggedChatEvent,
  parseEventId,
} from "@chat/contracts";
import type { ReplayLog } from "@chat/state";
import type { LiveEventHub } from "./live-event-hub.ts";

/** Where a feed's events go: an SSE response or a WebSocket. */
export type EventSink = {
  send(event: LoggedChatEvent): void;
  sendUnlogged(type: string, data: unknown): void;
  onClose(callback: () => void): void;
  readonly isClosed: boolean;
};

export function toLoggedEvent(message: ChatEventMessage): LoggedChatEvent {
  return { type: message.type, data: message.data, eventId: message.eventId } as LoggedChatEvent;
}

/** The events of the turn still being answered, so a client joining mid-answer sees all of it. */
function unfinishedTurn(events: LoggedChatEvent[]): LoggedChatEvent[] {
  const completed = new Set<string>();
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index] as LoggedChatEvent;
    if (event.type === "message_complete") completed.add(event.data.messageId);
    if (event.type === "message_start") {
      return completed.has(event.data.messageId) ? [] : events.slice(index);
    }
  }
  return [];
}

/**
 * Feeds one chat's events to a sink with no gap and no duplicate: subscribes to live events first,
 * replays from the log what came after `lastEventId` (or the unfinished turn), then goes live,
 * dropping live events it already sent. An id the log no longer holds answers RESUME_EXPIRED.
 */
export async function feedChatEvents(options: {
  sink: EventSink;
  hub: LiveEventHub;
  replayLog: ReplayLog;
  chatId: string;
  lastEventId: string | null;
}): Promise<void> {
  const { sink, hub, replayLog, chatId, lastEventId } = options;
  let lastSent: EventIdParts | null = lastEventId ? parseEventId(lastEventId) : null;
  let pending: LoggedChatEvent[] | null = [];

  const deliver = (event: LoggedChatEvent) => {
    const id = parseEventId(event.eventId);
    if (id && lastSent && id.epoch === lastSent.epoch && compareEventIds(id, lastSent) <= 0) return;
    sink.send(event);
    if (id) lastSent = id;
  };

  const unsubscribe = await hub.subscribe(`chat.${chatId}.`, (message) => {
    const event = toLoggedEvent(message);
    if (pending) pending.push(event);
    else deliver(event);
  });
  // A failed unbind is logged by the hub; left unhandled here, it would end the process.
  sink.onClose(() => void unsubscribe().catch(() => {}));

  const read = await replayLog.readAfter(chatId, lastEventId);
  if (read.status === "expired") {
    lastSent = null;
    sink.sendUnlogged("error", {
      chatId,
      code: "RESUME_EXPIRED",
      error: "The events after this id are no longer kept; reload the chat",
      retryable: false,
    });
    // The log began anew (a restart, or Redis lost it): what it holds since, such as an answer
    // ended as interrupted, follows the notice, so the client resumes from the new log's ids.
    const since = await replayLog.readAfter(chatId, null);
    if (since.status === "ok") for (const event of since.events) deliver(event);
  } else {
    for (const event of lastEventId ? read.events : unfinishedTurn(read.events)) deliver(event);
  }
  const buffered = pending;
  pending = null;
  for (const event of buffered) deliver(event);
}
