import { compareEventIds, type EventIdParts, type LoggedChatEvent, parseEventId } from "@chat/contracts";
import type { ReplayLog } from "@chat/state";
import type { LiveEventHub } from "./live-event-hub.ts";

/** Where a feed's events go: an SSE response or a WebSocket. */
export type EventSink = {
  send(event: LoggedChatEvent): void;
  sendUnlogged(type: string, data: unknown): void;
  onClose(callback: () => void): void;
  readonly isClosed: boolean;
};

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
 * dropping live events it already sent. An id the log no longer holds answers RESUME_EXPIRED,
 * followed by what the new log holds. When live events may have been missed (the tail's connection
 * was made again, or a live event does not follow the last id the feed reached), the feed catches
 * up from the log the same way, so a lost message or a Redis restart leaves no silent gap.
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
  // The log id this feed has caught up to: the last it sent, or the log's end when it last read it.
  let position: string | null = lastEventId;
  // Live events wait here while the log is read, then follow what it held.
  let pending: LoggedChatEvent[] | null = [];

  const deliver = (event: LoggedChatEvent) => {
    position = event.eventId;
    const id = parseEventId(event.eventId);
    if (id && lastSent && id.epoch === lastSent.epoch && compareEventIds(id, lastSent) <= 0) return;
    sink.send(event);
    if (id) lastSent = id;
  };

  /** Ends a catch-up: the live events held meanwhile follow, and later ones go straight through. */
  const releasePending = () => {
    const buffered = pending ?? [];
    pending = null;
    for (const event of buffered) deliver(event);
  };

  const catchUp = async (from: string | null, firstRead: boolean) => {
    pending ??= [];
    const read = await replayLog.readAfter(chatId, from);
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
      position = null;
      const since = await replayLog.readAfter(chatId, null);
      if (since.status === "ok") for (const event of since.events) deliver(event);
    } else {
      const events = firstRead && !from ? unfinishedTurn(read.events) : read.events;
      for (const event of events) deliver(event);
      position = read.events.at(-1)?.eventId ?? position;
    }
    releasePending();
  };

  let catchingUp: Promise<void> = Promise.resolve();
  const repair = () => {
    // Live events from the new queue wait from now on, until the log has filled the gap before them.
    pending ??= [];
    catchingUp = catchingUp
      .then(() => (sink.isClosed ? undefined : catchUp(position, false)))
      .catch(() => {
        sink.sendUnlogged("error", {
          chatId,
          code: "UNAVAILABLE",
          error: "Events may have been missed and the log cannot be read now; reconnect to resume",
          retryable: true,
        });
        releasePending();
      });
  };

  const unsubscribe = await hub.followChat(
    chatId,
    (event, previousEventId) => {
      // The first entry of a new log follows nothing; any other must follow what this feed reached.
      if (!pending && previousEventId !== null && previousEventId !== position) repair();
      if (pending) pending.push(event);
      else deliver(event);
    },
    repair,
  );
  // A failed unbind is logged by the hub; left unhandled here, it would end the process.
  sink.onClose(() => void unsubscribe().catch(() => {}));
  catchingUp = catchUp(lastEventId, true);
  await catchingUp;
}
