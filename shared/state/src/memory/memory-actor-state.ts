import type { ActorState, ActorStateOptions, RevocationList } from "../actor-state.ts";
import { ActorStateAdapter } from "../actor-state-adapter.ts";
import { MemoryOneTimeTickets } from "./memory-one-time-tickets.ts";
import { MemoryRateLimiter } from "./memory-rate-limiter.ts";
import { MemoryReplayLog } from "./memory-replay-log.ts";
import { MemoryRevocationList } from "./memory-revocation-list.ts";
import { MemorySnapshots } from "./memory-snapshots.ts";

export type MemoryActorStateOptions = Omit<ActorStateOptions, "keyPrefix"> & {
  /** The clock TTLs and event ids are measured by, in epoch milliseconds; tests pass their own. */
  now?: () => number;
  /**
   * Where ended sign-ins are kept; by default this process's memory. The embedded mode passes the
   * store's, so a restart does not bring signed-out access tokens back.
   */
  revocations?: RevocationList;
};

/**
 * The in-memory ActorState for the single-process default and tests: the same semantics as
 * `RedisActorState` (JSON round trips, compare-and-set versions, TTLs, epochs, Redis-like ids,
 * bounded logs, token buckets, leases, single-use tickets, revocations), scoped to one process
 * (revocations may be kept elsewhere: see `revocations`). One adapter per port, on one clock.
 *
 * @example
 * const state = new MemoryActorState({ ttlSeconds: 86_400, replayLogMaxLength: 1_000 });
 * const version = await state.save(chatId, snapshot, 0);
 */
export class MemoryActorState extends ActorStateAdapter implements ActorState {
  readonly replayLog: MemoryReplayLog;
  readonly rateLimiter: MemoryRateLimiter;
  readonly tickets: MemoryOneTimeTickets;
  readonly revocations: RevocationList;
  protected readonly snapshots: MemorySnapshots;
  private closed = false;

  constructor(options: MemoryActorStateOptions) {
    super(options);
    const now = options.now ?? Date.now;
    const ttlMs = options.ttlSeconds * 1_000;
    this.snapshots = new MemorySnapshots(now, ttlMs);
    this.replayLog = new MemoryReplayLog(now, {
      ttlMs,
      maxLength: options.replayLogMaxLength,
      windowMs: (options.replayLogWindowSeconds ?? 0) * 1_000,
    });
    this.rateLimiter = new MemoryRateLimiter(now);
    this.tickets = new MemoryOneTimeTickets(now);
    this.revocations = options.revocations ?? new MemoryRevocationList(now);
  }

  async isReady(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
