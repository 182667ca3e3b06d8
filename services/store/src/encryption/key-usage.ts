import type { EncryptedRecords } from "./encrypted-records.ts";
import { keyIdOf } from "./field-cipher.ts";

/** How many stored values each key encrypts; `plain` counts those stored unencrypted. */
export type KeyUsage = Record<string, number>;

const pageSize = 500;

/**
 * Counts the stored values by the key that encrypts them, reading every encrypted record once: what
 * `npm run encryption-status` prints, and what tells whether an old key may be removed.
 *
 * @example
 * await countValuesByKey(store.encryption); // { k2: 1200, k1: 3, plain: 0 }
 */
export async function countValuesByKey(records: EncryptedRecords): Promise<KeyUsage> {
  const usage: KeyUsage = {};
  for (const kind of records.kinds) {
    for (let afterId = ""; ; ) {
      const page = await records.page(kind, afterId, pageSize);
      for (const record of page)
        for (const value of record.values) {
          const key = keyIdOf(value.stored) ?? "plain";
          usage[key] = (usage[key] ?? 0) + 1;
        }
      const last = page.at(-1);
      if (!last || page.length < pageSize) break;
      afterId = last.id;
    }
  }
  return usage;
}
