import type { ActorStateOptions, Snapshot, SnapshotStore } from "./actor-state.ts";
import { checkTtlSeconds } from "./ttl-seconds.ts";

/**
 * What every ActorState adapter shares, whatever its technology: the same checks of its options,
 * and the snapshot methods of the port passed on to the adapter's own `SnapshotStore`.
 *
 * @example
 * class MemoryActorState extends ActorStateAdapter implements ActorState {
 *   protected readonly snapshots = new MemorySnapshots(now, ttlMs);
 * }
 */
export abstract class ActorStateAdapter implements SnapshotStore {
  protected abstract readonly snapshots: SnapshotStore;

  constructor(
    options: Pick<ActorStateOptions, "ttlSeconds" | "replayLogMaxLength" | "replayLogWindowSeconds">,
  ) {
    checkTtlSeconds(options.ttlSeconds);
    if (!Number.isInteger(options.replayLogMaxLength) || options.replayLogMaxLength < 1) {
      throw new RangeError(
        `replayLogMaxLength must be a positive integer, got ${options.replayLogMaxLength}`,
      );
    }
    const window = options.replayLogWindowSeconds;
    if (window !== undefined && (!Number.isInteger(window) || window < 1)) {
      throw new RangeError(`replayLogWindowSeconds must be a positive integer, got ${window}`);
    }
  }

  load<S>(chatId: string): Promise<Snapshot<S> | null> {
    return this.snapshots.load(chatId);
  }

  save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null> {
    return this.snapshots.save(chatId, state, expectedVersion);
  }

  delete(chatId: string): Promise<void> {
    return this.snapshots.delete(chatId);
  }
}
