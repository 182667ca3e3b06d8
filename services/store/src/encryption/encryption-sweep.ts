import type { Logger } from "@chat/runtime";
import type { EncryptedRecords } from "./encrypted-records.ts";

/** What one pass of the sweep did. */
export type SweepProgress = { examined: number; rewritten: number };

/**
 * The re-encryption sweep: moves every stored value to the current key (and plain values, stored
 * before encryption was turned on, into encryption), record kind by kind in id order, `batchSize`
 * records at a time. Idempotent (a value on the current key is left) and resumable (a pass after a
 * restart starts over and skips what is done); a value written meanwhile wins over the sweep's
 * rewrite. Old keys keep decrypting all along.
 *
 * @example
 * await new EncryptionSweep(store.encryption, { batchSize: 200, logger }).run();
 */
export class EncryptionSweep {
  private readonly batchSize: number;
  private readonly logger: Logger | undefined;
  private readonly pause: () => Promise<void>;
  private stopped = false;

  constructor(
    private readonly records: EncryptedRecords,
    options: { batchSize?: number; logger?: Logger; pause?: () => Promise<void> } = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.logger = options.logger;
    // Between batches the store answers its requests.
    this.pause = options.pause ?? (() => new Promise((resolve) => setTimeout(resolve, 10)));
  }

  /** One pass over every record; a no-op when encryption is off. Ends early after `stop`. */
  async run(): Promise<SweepProgress> {
    const total: SweepProgress = { examined: 0, rewritten: 0 };
    const { cipher } = this.records;
    if (!cipher.enabled) return total;
    for (const kind of this.records.kinds) {
      const progress = await this.sweepKind(kind);
      total.examined += progress.examined;
      total.rewritten += progress.rewritten;
      this.logger?.info(
        { kind, keyId: cipher.currentKeyId, ...progress },
        progress.rewritten > 0
          ? "encryption sweep: values moved to the current key"
          : "encryption sweep: all current",
      );
      if (this.stopped) break;
    }
    return total;
  }

  /** Stops a running pass after its current batch. */
  stop(): void {
    this.stopped = true;
  }

  private async sweepKind(kind: string): Promise<SweepProgress> {
    const { cipher } = this.records;
    const progress: SweepProgress = { examined: 0, rewritten: 0 };
    for (let afterId = ""; !this.stopped; ) {
      const page = await this.records.page(kind, afterId, this.batchSize);
      for (const record of page)
        for (const value of record.values) {
          progress.examined += 1;
          if (cipher.isCurrent(value.stored)) continue;
          const text = cipher.open(value.field, value.stored);
          if (await this.records.rewrite(kind, record.id, value.field, value.stored, text))
            progress.rewritten += 1;
        }
      const last = page.at(-1);
      if (!last || page.length < this.batchSize) break;
      afterId = last.id;
      await this.pause();
    }
    return progress;
  }
}
