import {
  type ChatEvent,
  compareEventIds,
  type EventIdParts,
  formatEventId,
  type LoggedChatEvent,
  parseEventId,
} from "@chat/contracts";
import type {
  ActorState,
  ActorStateOptions,
  BucketLimit,
  BucketVerdict,
  OneTimeTickets,
  RateLimiter,
  ReplayLog,
  ReplayRead,
  RevocationList,
  Snapshot,
} from "./actor-state.ts";
import { createLogEpoch } from "./create-log-epoch.ts";
import { checkLease, checkLeaseMs, newLeaseId } from "./leases.ts";
import { isTicketShaped, newTicket } from "./tickets.ts";
import { type BucketState, checkBucketTake, isBucketFull, takeFromBucket } from "./token-bucket.ts";
import { checkTtlSeconds } from "./ttl-seconds.ts";

export type MemoryActorStateOptions = Omit<ActorStateOptions, "keyPrefix"> & {
  /** The clock TTLs and event ids are measured by, in epoch milliseconds; tests pass their own. */
  now?: () => number;
  /**
   * Where ended sign-ins are kept; by default this process's memory. The embedded mode passes the
   * store's, so a restart does not bring signed-out access tokens back.
   */
  revocations?: RevocationList;
};

type StoredSnapshot = { json: string; version: number; expiresAt: number };

type StoredEvent = { id: EventIdParts; eventId: string; json: string };

type StoredLog = {
  epoch: string;
  events: StoredEvent[];
  lastId: EventIdParts;
  /** The newest id trimmed away; reads after anything older would miss events. */
  maxDeletedId: EventIdParts;
  expiresAt: number;
};

/** How often forgotten buckets, leases, tickets and revocations are swept; they come and go far faster than chats. */
const rateSweepIntervalMs = 60_000;

type StoredBucket = BucketState & { limit: BucketLimit };

type StoredTicket = { payload: string; expiresAt: number };

/**
 * The in-memory ActorState for the single-process default and tests: the same semantics as
 * `RedisActorState` (JSON round trips, compare-and-set versions, TTLs, epochs, Redis-like ids,
 * bounded logs, token buckets, leases, single-use tickets, revocations), scoped to one process
 * (revocations may be kept elsewhere: see `revocations`).
 *
 * @example
 * const state = new MemoryActorState({ ttlSeconds: 86_400, replayLogMaxLength: 1_000 });
 * const version = await state.save(chatId, snapshot, 0);
 */
export class MemoryActorState implements ActorState {
  readonly replayLog: ReplayLog;
  readonly rateLimiter: RateLimiter;
  readonly tickets: OneTimeTickets;
  readonly revocations: RevocationList;
  private readonly snapshots = new Map<string, StoredSnapshot>();
  private readonly logs = new Map<string, StoredLog>();
  private readonly buckets = new Map<string, StoredBucket>();
  /** Per key: lease id → when it expires. */
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly issuedTickets = new Map<string, StoredTicket>();
  private readonly revoked = new Map<string, { expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxLength: number;
  private readonly now: () => number;
  private nextSweepAt: number;
  private nextRateSweepAt: number;
  private closed = false;

  constructor(options: MemoryActorStateOptions) {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1) {
      throw new Error(`ttlSeconds must be a positive integer, got ${options.ttlSeconds}`);
    }
    if (!Number.isInteger(options.replayLogMaxLength) || options.replayLogMaxLength < 1) {
      throw new Error(`replayLogMaxLength must be a positive integer, got ${options.replayLogMaxLength}`);
    }
    this.ttlMs = options.ttlSeconds * 1_000;
    this.maxLength = options.replayLogMaxLength;
    this.now = options.now ?? Date.now;
    this.nextSweepAt = this.now() + this.ttlMs;
    this.nextRateSweepAt = this.now() + rateSweepIntervalMs;
    this.replayLog = {
      append: (chatId, event) => this.append(chatId, event),
      readAfter: (chatId, afterEventId) => this.readAfter(chatId, afterEventId),
      delete: async (chatId) => {
        this.logs.delete(chatId);
      },
    };
    this.rateLimiter = {
      take: async (key, limit, cost = 1) => this.take(key, limit, cost),
      acquireLease: async (key, limit, leaseMs) => this.acquireLease(key, limit, leaseMs),
      renewLease: async (key, leaseId, leaseMs) => this.renewLease(key, leaseId, leaseMs),
      releaseLease: async (key, leaseId) => {
        this.leases.get(key)?.delete(leaseId);
      },
    };
    this.tickets = {
      issue: async (payload, ttlSeconds) => {
        checkTtlSeconds(ttlSeconds);
        const ticket = newTicket();
        this.issuedTickets.set(ticket, { payload, expiresAt: this.now() + ttlSeconds * 1_000 });
        this.sweepExpired();
        return ticket;
      },
      redeem: async (ticket) => {
        if (!isTicketShaped(ticket)) return null;
        const stored = this.live(this.issuedTickets, ticket);
        this.issuedTickets.delete(ticket);
        return stored?.payload ?? null;
      },
    };
    this.revocations = options.revocations ?? {
      revoke: async (id, ttlSeconds) => {
        checkTtlSeconds(ttlSeconds);
        this.revoked.set(id, { expiresAt: this.now() + ttlSeconds * 1_000 });
        this.sweepExpired();
      },
      isRevoked: async (id) => this.live(this.revoked, id) !== undefined,
    };
  }

  async load<S>(chatId: string): Promise<Snapshot<S> | null> {
    const stored = this.live(this.snapshots, chatId);
    return stored ? { state: JSON.parse(stored.json) as S, version: stored.version } : null;
  }

  async save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null> {
    const current = this.live(this.snapshots, chatId)?.version ?? 0;
    if (current !== expectedVersion) return null;
    const version = current + 1;
    this.snapshots.set(chatId, { json: JSON.stringify(state), version, expiresAt: this.now() + this.ttlMs });
    this.sweepExpired();
    return version;
  }

  /** Drops the chat's snapshot; its replay log stays until `replayLog.delete` or its TTL. */
  async delete(chatId: string): Promise<void> {
    this.snapshots.delete(chatId);
  }

  async isReady(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async append(chatId: string, event: ChatEvent): Promise<LoggedChatEvent> {
    const now = this.now();
    let log = this.live(this.logs, chatId);
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
    log.events.push({ id, eventId, json: JSON.stringify(event) });
    log.lastId = id;
    log.expiresAt = now + this.ttlMs;
    const excess = log.events.length - this.maxLength;
    if (excess > 0) {
      const trimmed = log.events.splice(0, excess);
      log.maxDeletedId = (trimmed.at(-1) as StoredEvent).id;
    }
    this.sweepExpired();
    return { ...event, eventId };
  }

  private async readAfter(chatId: string, afterEventId: string | null): Promise<ReplayRead> {
    const log = this.live(this.logs, chatId);
    if (afterEventId === null) return { status: "ok", events: log ? log.events.map(toLoggedEvent) : [] };
    const after = parseEventId(afterEventId);
    if (!after || !log || after.epoch !== log.epoch) return { status: "expired" };
    if (compareEventIds(after, log.maxDeletedId) < 0 || compareEventIds(after, log.lastId) > 0) {
      return { status: "expired" };
    }
    const start = log.events.findIndex((stored) => compareEventIds(stored.id, after) > 0);
    return { status: "ok", events: start === -1 ? [] : log.events.slice(start).map(toLoggedEvent) };
  }

  private take(key: string, limit: BucketLimit, cost: number): BucketVerdict {
    checkBucketTake(limit, cost);
    const { verdict, state } = takeFromBucket(this.buckets.get(key), limit, cost, this.now());
    if (state) this.buckets.set(key, { ...state, limit });
    this.sweepExpired();
    return verdict;
  }

  private acquireLease(key: string, limit: number, leaseMs: number): string | null {
    checkLease(limit, leaseMs);
    const now = this.now();
    const held = this.liveLeases(key, now);
    if (held.size >= limit) return null;
    const leaseId = newLeaseId();
    held.set(leaseId, now + leaseMs);
    this.leases.set(key, held);
    this.sweepExpired();
    return leaseId;
  }

  private renewLease(key: string, leaseId: string, leaseMs: number): boolean {
    checkLeaseMs(leaseMs);
    const now = this.now();
    const held = this.liveLeases(key, now);
    if (!held.has(leaseId)) return false;
    held.set(leaseId, now + leaseMs);
    return true;
  }

  /** The key's leases that have not expired by `now`; the expired ones are dropped. */
  private liveLeases(key: string, now: number): Map<string, number> {
    const held = this.leases.get(key) ?? new Map<string, number>();
    for (const [leaseId, expiresAt] of held) if (expiresAt <= now) held.delete(leaseId);
    return held;
  }

  private live<T extends { expiresAt: number }>(entries: Map<string, T>, id: string): T | undefined {
    const entry = entries.get(id);
    if (entry && entry.expiresAt <= this.now()) {
      entries.delete(id);
      return undefined;
    }
    return entry;
  }

  /**
   * Forgets idle chats once per TTL, and full buckets, expired leases and tickets once a minute,
   * so a long-running process does not keep every chat, client and ticket it saw.
   */
  private sweepExpired(): void {
    const now = this.now();
    if (now >= this.nextRateSweepAt) {
      this.nextRateSweepAt = now + rateSweepIntervalMs;
      for (const expiring of [this.issuedTickets, this.revoked]) {
        for (const [id, stored] of expiring) if (stored.expiresAt <= now) expiring.delete(id);
      }
      for (const [key, bucket] of this.buckets) {
        if (isBucketFull(bucket, bucket.limit, now)) this.buckets.delete(key);
      }
      for (const key of this.leases.keys()) if (this.liveLeases(key, now).size === 0) this.leases.delete(key);
    }
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + this.ttlMs;
    for (const entries of [this.snapshots, this.logs]) {
      for (const [chatId, entry] of entries) if (entry.expiresAt <= now) entries.delete(chatId);
    }
  }
}

function toLoggedEvent(stored: StoredEvent): LoggedChatEvent {
  return { ...(JSON.parse(stored.json) as ChatEvent), eventId: stored.eventId };
}
