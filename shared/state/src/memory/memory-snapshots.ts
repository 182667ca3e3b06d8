import type { Snapshot, SnapshotStore } from "../actor-state.ts";
import { dropExpired, liveEntry, PeriodicSweep } from "./periodic-sweep.ts";

type StoredSnapshot = { json: string; version: number; expiresAt: number };

/** Snapshots in this process's memory: JSON round trips and compare-and-set versions, with the TTL. */
export class MemorySnapshots implements SnapshotStore {
  private readonly snapshots = new Map<string, StoredSnapshot>();
  private readonly sweep: PeriodicSweep;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {
    this.sweep = new PeriodicSweep(now, ttlMs, (at) => dropExpired(this.snapshots, at));
  }

  async load<S>(chatId: string): Promise<Snapshot<S> | null> {
    const stored = liveEntry(this.snapshots, chatId, this.now());
    return stored ? { state: JSON.parse(stored.json) as S, version: stored.version } : null;
  }

  async save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null> {
    const current = liveEntry(this.snapshots, chatId, this.now())?.version ?? 0;
    if (current !== expectedVersion) return null;
    const version = current + 1;
    this.snapshots.set(chatId, { json: JSON.stringify(state), version, expiresAt: this.now() + this.ttlMs });
    this.sweep.due();
    return version;
  }

  async delete(chatId: string): Promise<void> {
    this.snapshots.delete(chatId);
  }
}
