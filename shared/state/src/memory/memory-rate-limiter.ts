import type { BucketLimit, BucketVerdict, RateLimiter } from "../actor-state.ts";
import { checkLease, checkLeaseMs, newLeaseId } from "../leases.ts";
import { type BucketState, checkBucketTake, isBucketFull, takeFromBucket } from "../token-bucket.ts";
import { PeriodicSweep, rateSweepIntervalMs } from "./periodic-sweep.ts";

type StoredBucket = BucketState & { limit: BucketLimit };

/** Rate limits in this process's memory: token buckets and leases, forgotten once full or expired. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, StoredBucket>();
  /** Per key: lease id → when it expires. */
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly sweep: PeriodicSweep;

  constructor(private readonly now: () => number) {
    this.sweep = new PeriodicSweep(now, rateSweepIntervalMs, (at) => {
      for (const [key, bucket] of this.buckets) {
        if (isBucketFull(bucket, bucket.limit, at)) this.buckets.delete(key);
      }
      for (const key of this.leases.keys()) if (this.liveLeases(key, at).size === 0) this.leases.delete(key);
    });
  }

  async take(key: string, limit: BucketLimit, cost = 1): Promise<BucketVerdict> {
    checkBucketTake(limit, cost);
    const { verdict, state } = takeFromBucket(this.buckets.get(key), limit, cost, this.now());
    if (state) this.buckets.set(key, { ...state, limit });
    this.sweep.due();
    return verdict;
  }

  async acquireLease(key: string, limit: number, leaseMs: number): Promise<string | null> {
    checkLease(limit, leaseMs);
    const now = this.now();
    const held = this.liveLeases(key, now);
    if (held.size >= limit) return null;
    const leaseId = newLeaseId();
    held.set(leaseId, now + leaseMs);
    this.leases.set(key, held);
    this.sweep.due();
    return leaseId;
  }

  async renewLease(key: string, leaseId: string, leaseMs: number): Promise<boolean> {
    checkLeaseMs(leaseMs);
    const now = this.now();
    const held = this.liveLeases(key, now);
    if (!held.has(leaseId)) return false;
    held.set(leaseId, now + leaseMs);
    return true;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    this.leases.get(key)?.delete(leaseId);
  }

  /** The key's leases that have not expired by `now`; the expired ones are dropped. */
  private liveLeases(key: string, now: number): Map<string, number> {
    const held = this.leases.get(key) ?? new Map<string, number>();
    for (const [leaseId, expiresAt] of held) if (expiresAt <= now) held.delete(leaseId);
    return held;
  }
}
