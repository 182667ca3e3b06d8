import type { ChatEvent, LoggedChatEvent } from "@chat/contracts";

/** A saved actor snapshot with its version, for compare-and-set. */
export type Snapshot<S> = { state: S; version: number };

export type ReplayRead =
  | { status: "ok"; events: LoggedChatEvent[] }
  /** The id is older than the log keeps, from another epoch, or the log is gone. */
  | { status: "expired" };

/**
 * Per-chat replay log: every client-visible event of a chat gets its id here, in order.
 * Ids carry the log's epoch (`<epoch>:<ms>-<seq>`), made when the log is created, so a log lost
 * with a Redis restart or eviction is detected instead of replayed from the wrong place.
 */
export interface ReplayLog {
  /** Appends an event and returns it with its id; creates the log (and its epoch) if needed. */
  append(chatId: string, event: ChatEvent): Promise<LoggedChatEvent>;
  /** The events after `afterEventId`, oldest first; `null` reads the whole log. */
  readAfter(chatId: string, afterEventId: string | null): Promise<ReplayRead>;
  /** Drops the chat's log. */
  delete(chatId: string): Promise<void>;
}

/**
 * The ActorState port: per-chat actor snapshots and replay logs, with TTLs.
 * Adapters: Redis (`RedisActorState`) and in-memory (`MemoryActorState`), one contract suite.
 */
export interface ActorState {
  /** The chat's saved snapshot, or null when there is none (or it expired). */
  load<S>(chatId: string): Promise<Snapshot<S> | null>;
  /**
   * Saves a snapshot when the stored version still equals `expectedVersion` (0 = none stored);
   * returns the new version, or null when another writer got there first.
   */
  save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null>;
  delete(chatId: string): Promise<void>;
  readonly replayLog: ReplayLog;
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
};
