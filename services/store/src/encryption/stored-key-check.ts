import { ConfigError } from "@chat/runtime";
import type { EncryptedRecords } from "./encrypted-records.ts";
import { countValuesByKey } from "./key-usage.ts";

/**
 * The start-up check of encryption at rest: every key the store has encrypted with must still be
 * configured while any value uses it, else the start fails with a ConfigError naming the key (a lost
 * key is never discovered later as unreadable data). A recorded key that no value uses any more is
 * forgotten; the current key is recorded before anything is written with it.
 *
 * @example
 * await checkStoredKeys(store.encryption, new Date().toISOString());
 */
export async function checkStoredKeys(records: EncryptedRecords, now: string): Promise<void> {
  const { cipher } = records;
  const configured = new Set(cipher.keyIds);
  const missing = (await records.recordedKeyIds()).filter((keyId) => !configured.has(keyId));
  if (missing.length > 0) {
    const usage = await countValuesByKey(records);
    const stillUsed = missing.filter((keyId) => (usage[keyId] ?? 0) > 0);
    if (stillUsed.length > 0) {
      const counts = stillUsed
        .map((keyId) => `"${keyId}" (${usage[keyId]} value${usage[keyId] === 1 ? "" : "s"})`)
        .join(", ");
      throw new ConfigError(
        `Invalid configuration — ENCRYPTION_KEYS / ENCRYPTION_KEY_FILE: the store holds values encrypted with ${counts}, which ${stillUsed.length === 1 ? "is" : "are"} not configured; add the key back (it can be removed once npm run encryption-status shows no value using it)`,
      );
    }
    for (const keyId of missing) await records.forgetKeyId(keyId);
  }
  if (cipher.currentKeyId !== null) await records.recordKeyId(cipher.currentKeyId, now);
}
