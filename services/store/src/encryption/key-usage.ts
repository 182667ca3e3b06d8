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

/**
 * The lines `npm run encryption-status` prints: per key, how many values it encrypts and its role;
 * then which keys may be removed (configured, no value left), or which are missing.
 *
 * @example
 * describeKeyUsage({ k2: 5 }, ["k2", "k1"]);
 * // ["k2: 5 values (encrypts)", "k1: 0 values (decrypts only)", "k1 can be removed: no value uses it"]
 */
export function describeKeyUsage(usage: KeyUsage, keyIds: readonly string[]): string[] {
  const [current] = keyIds;
  const lines = [...new Set([...keyIds, ...Object.keys(usage)])].map((keyId) => {
    const count = usage[keyId] ?? 0;
    const role =
      keyId === "plain"
        ? current === undefined
          ? "encryption is off"
          : "not encrypted yet: the sweep encrypts them"
        : keyId === current
          ? "encrypts"
          : keyIds.includes(keyId)
            ? "decrypts only"
            : "NOT CONFIGURED: these values cannot be read";
    return `${keyId}: ${count} value${count === 1 ? "" : "s"} (${role})`;
  });
  const removable = keyIds.filter((keyId) => keyId !== current && (usage[keyId] ?? 0) === 0);
  if (removable.length > 0) lines.push(`${removable.join(", ")} can be removed: no value uses it`);
  return lines;
}
