import {
  type ChatEvent,
  compareEventIds,
  type EventIdParts,
  formatEventId,
  type LoggedChatEvent,
  parseEventId,
} from "@chat/contracts";
import type { ReplayLog, ReplayLogTail, ReplayLogTailOptions, ReplayRead } from "../actor-state.ts";
import { createLogEpoch } from "../create-log-epoch.ts";
import { MemoryReplayLogTail } from "./memory-replay-log-tail.ts";
import { dropExpired, liveEntry, PeriodicSweep } from "./periodic-sweep.ts";

type StoredEvent = { id: EventIdParts; eventId: string; json: string };

type StoredLog = {
  epoch: string;
  events: StoredEvent[];
  lastId: EventIdParts;
  /** The newest id trimmed away; reads after anything older would miss events. */
  maxDeletedId: EventIdParts;
  expiresAt: number;
};

/**
 * The replay log in this process's memory: epochs, Redis-like ids and a bounded length, with the
 * TTL; each append goes to the watching tails before `append` returns.
 */
export class MemoryReplayLog implements ReplayLog {
  private readonly logs = new Map<string, StoredLog>();
  private readonly tails = new Set<MemoryReplayLogTail>();
  private readonly sweep: PeriodicSweep;

  constructor(
    private readonly now: () => number,
    private readonly options: { ttlMs: number; maxLength: number; windowMs: number },
  ) {
    this.sweep = new PeriodicSweep(now, options.ttlMs, (at) => dropExpired(this.logs, at));
  }

  async append(chatId: string, event: ChatEvent): Promise<LoggedChatEvent> {
    const now = this.now();
    let log = liveEntry(this.logs, chatId, now);
    if (!log) {
      log = {
        epoch: createLogEpoch(),
        events: [],
        lastId: { epoch: "", ms: 0, seq: 0 },
        maxDeletedId: { epoch: "", ms: 0, seq: 0 },
        expiresAt: 0,
      };
      this.logs.set(chatId, log);
    }
    // Like a Redis stream id: the clock's millisecond, never behind the last id, then a sequence.
    const ms = Math.max(now, log.lastId.ms);
    const id = { epoch: log.epoch, ms, seq: ms === log.lastId.ms ? log.lastId.seq + 1 : 0 };
    const eventId = formatEventId(log.epoch, `${id.ms}-${id.seq}`);
    const previousEventId = log.events.at(-1)?.eventId ?? null;
    log.events.push({ id, eventId, json: JSON.stringify(event) });
    log.lastId = id;
    log.expiresAt = now + this.options.ttlMs;
    let drop = Math.max(0, log.events.length - this.options.maxLength);
    if (this.options.windowMs > 0) {
      const oldest = now - this.options.windowMs;
      while (drop < log.events.length - 1 && (log.events[drop] as StoredEvent).id.ms < oldest) drop++;
    }
    if (drop > 0) {
      const trimmed = log.events.splice(0, drop);
      log.maxDeletedId = (trimmed.at(-1) as StoredEvent).id;
    }
    this.sweep.due();
    const logged = { ...event, eventId };
    for (const tail of this.tails) tail.offer({ chatId, event: logged, previousEventId });
    return logged;
  }

  async openTail(options: ReplayLogTailOptions): Promise<ReplayLogTail> {
    const tail = new MemoryReplayLogTail(options, (closed) => this.tails.delete(closed));
    this.tails.add(tail);
    return tail;
  }

  async readAfter(chatId: string, afterEventId: string | null): Promise<ReplayRead> {
    const log = liveEntry(this.logs, chatId, this.now());
    if (afterEventId === null) return { status: "ok", events: log ? log.events.map(toLoggedEvent) : [] };
    const after = parseEventId(afterEventId);
    if (!after || !log || after.epoch !== log.epoch) return { status: "expired" };
    if (compareEventIds(after, log.maxDeletedId) < 0 || compareEventIds(after, log.lastId) > 0) {
      return { status: "expired" };
    }
    const start = log.events.findIndex((stored) => compareEventIds(stored.id, after) > 0);
    return { status: "ok", events: start === -1 ? [] : log.events.slice(start).map(toLoggedEvent) };
  }

  async delete(chatId: string): Promise<void> {
    this.logs.delete(chatId);
  }
}

function toLoggedEvent(stored: StoredEvent): LoggedChatEvent {
  return { ...(JSON.parse(stored.json) as ChatEvent), eventId: stored.eventId };
}
