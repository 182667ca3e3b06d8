import type { ChatEvent, LoggedChatEvent } from "@chat/contracts";

/** A saved actor snapshot with its version, for compare-and-set. */
export type Snapshot<S> = { state: S; version: number };

export type ReplayRead =
  | { status: "ok"; events: LoggedChatEvent[] }
  /** The id is older than the log keeps, from another epoch, or the log is gone. */
  | { status: "expired" };

/**
 * An appended event as the log's followers receive it, with the id of the entry before it in the
 * same log (null for a new log's first entry): a follower whose last id differs missed something.
 */
export type FollowedChatEvent = { chatId: string; event: LoggedChatEvent; previousEventId: string | null };

export type ReplayLogTailOptions = {
  /** Runs inside the append (in memory) or the connection's reader (Redis): it must not throw. */
  onEvent(followed: FollowedChatEvent): void;
  /**
   * Appends may have been missed (the tail's connection was lost and made again); runs once the
   * watched chats are watched again, so a read of the log from here on leaves no gap.
   */
  onGap(): void;
};

/**
 * The live end of the replay logs: each append to a watched chat reaches `onEvent` once, in the
 * log's order, from the same write that stored it (no second message per event).
 */
export interface ReplayLogTail {
  /** Resolves once appends to the chat are delivered. */
  watch(chatId: string): Promise<void>;
  unwatch(chatId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Per-chat replay log: every client-visible event of a chat gets its id here, in order, and goes
 * to the tails watching the chat. Ids carry the log's epoch (`<epoch>:<ms>-<seq>`), made when the
 * log is created, so a log lost with a Redis restart or eviction is detected instead of replayed
 * from the wrong place.
 */
export interface ReplayLog {
  /** Appends an event and returns it with its id; creates the log (and its epoch) if needed. */
  append(chatId: string, event: ChatEvent): Promise<LoggedChatEvent>;
  /** Follows appends live; one tail serves every chat a process watches. */
  openTail(options: ReplayLogTailOptions): Promise<ReplayLogTail>;
  /** The events after `afterEventId`, oldest first; `null` reads the whole log. */
  readAfter(chatId: string, afterEventId: string | null): Promise<ReplayRead>;
  /** Drops the chat's log. */
  delete(chatId: string): Promise<void>;
}

/** A token bucket: `capacity` tokens, refilled evenly at `capacity` per `perSeconds`. */
export type BucketLimit = { capacity: number; perSeconds: number };

export type BucketVerdict = {
  allowed: boolean;
  /** Tokens left after this take. */
  remaining: number;
  /** When refused: how long until `cost` tokens are there again. 0 when allowed. */
  retryAfterMs: number;
};

/**
 * Rate limits shared by every gateway: token buckets, and leases that cap how many things (open
 * streams) a key holds at once. A lease of a crashed holder frees itself after `leaseMs`.
 */
export interface RateLimiter {
  /** Takes `cost` tokens from the bucket `key`, atomically; refused takes leave the bucket as it was. */
  take(key: string, limit: BucketLimit, cost?: number): Promise<BucketVerdict>;
  /** A lease id when fewer than `limit` live leases exist for `key`, else null. */
  acquireLease(key: string, limit: number, leaseMs: number): Promise<string | null>;
  /** Keeps a lease alive for another `leaseMs`; false when it had already expired or been released. */
  renewLease(key: string, leaseId: string, leaseMs: number): Promise<boolean>;
  releaseLease(key: string, leaseId: string): Promise<void>;
}

/**
 * Short-lived single-use tickets (e.g. for EventSource, which cannot send headers): a random
 * ticket stands for `payload` until it is redeemed once or expires.
 */
export interface OneTimeTickets {
  issue(payload: string, ttlSeconds: number): Promise<string>;
  /** The payload, exactly once per ticket; null when unknown, expired or already redeemed. */
  redeem(ticket: string): Promise<string | null>;
}

/**
 * Ids refused for a while: sign-in sessions signed out or revoked, whose access tokens must stop
 * working before they expire. An id stays revoked `ttlSeconds` from its latest `revoke`.
 */
export interface RevocationList {
  revoke(id: string, ttlSeconds: number): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
}

/** Per-chat actor snapshots, saved by compare-and-set and kept for the TTL. */
export interface SnapshotStore {
  /** The chat's saved snapshot, or null when there is none (or it expired). */
  load<S>(chatId: string): Promise<Snapshot<S> | null>;
  /**
   * Saves a snapshot when the stored version still equals `expectedVersion` (0 = none stored);
   * returns the new version, or null when another writer got there first.
   */
  save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null>;
  /** Drops the chat's snapshot; its replay log stays until `replayLog.delete` or its TTL. */
  delete(chatId: string): Promise<void>;
}

/**
 * The ActorState port: per-chat actor snapshots and replay logs, with TTLs, and the rate limits,
 * tickets and revocations every gateway shares.
 * Adapters: Redis (`RedisActorState`) and in-memory (`MemoryActorState`), one contract suite.
 */
export interface ActorState extends SnapshotStore {
  readonly replayLog: ReplayLog;
  readonly rateLimiter: RateLimiter;
  readonly tickets: OneTimeTickets;
  readonly revocations: RevocationList;
  /** True when the backing store answers. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

export type ActorStateOptions = {
  /** Prefix of every key, so deployments and test runs sharing a Redis never meet. */
  keyPrefix: string;
  /** Seconds an idle snapshot and replay log are kept. */
  ttlSeconds: number;
  /** Approximate number of events a replay log keeps. */
  replayLogMaxLength: number;
  /**
   * Seconds of events a replay log keeps: older ones go at the next append, so Redis holds what
   * resumes and joins need (the recent turns), not every chat's history. Unset = by length only.
   */
  replayLogWindowSeconds?: number;
};
