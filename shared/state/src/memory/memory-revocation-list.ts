import type { RevocationList } from "../actor-state.ts";
import { checkTtlSeconds } from "../ttl-seconds.ts";
import { dropExpired, liveEntry, PeriodicSweep, rateSweepIntervalMs } from "./periodic-sweep.ts";

/** Revocations in this process's memory: each id refused until `ttlSeconds` after its latest `revoke`. */
export class MemoryRevocationList implements RevocationList {
  private readonly revoked = new Map<string, { expiresAt: number }>();
  private readonly sweep: PeriodicSweep;

  constructor(private readonly now: () => number) {
    this.sweep = new PeriodicSweep(now, rateSweepIntervalMs, (at) => dropExpired(this.revoked, at));
  }

  async revoke(id: string, ttlSeconds: number): Promise<void> {
    checkTtlSeconds(ttlSeconds);
    this.revoked.set(id, { expiresAt: this.now() + ttlSeconds * 1_000 });
    this.sweep.due();
  }

  async isRevoked(id: string): Promise<boolean> {
    return liveEntry(this.revoked, id, this.now()) !== undefined;
  }
}
