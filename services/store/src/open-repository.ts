import { join } from "node:path";
import { createPrivateDirectory } from "@chat/runtime";
import { readEncryptionKeys } from "./encryption/encryption-keys.ts";
import { FieldCipher } from "./encryption/field-cipher.ts";
import { checkStoredKeys } from "./encryption/stored-key-check.ts";
import { MongoStore } from "./mongo/mongo-store.ts";
import { makeDatabaseFilesPrivate } from "./private-database-file.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreConfig } from "./store-config.ts";
import type { StoreRepositories } from "./store-repositories.ts";

/**
 * MongoDB when MONGODB_URL is set, else the SQLite file `chat.sqlite` under DATA_DIR: the directory
 * created owner-only (0700), the database and its `-wal` / `-shm` files 0600. With
 * ENCRYPTION_KEYS or ENCRYPTION_KEY_FILE, values are encrypted at rest, and the store does not
 * open while a key it has encrypted with is missing (`checkStoredKeys`); `checkKeys: false` skips
 * that check, for the status command that reports the keys in use.
 */
export async function openRepository(
  config: Pick<StoreConfig, "DATA_DIR" | "MONGODB_URL" | "MONGODB_DATABASE"> &
    Partial<Pick<StoreConfig, "SQLITE_SYNCHRONOUS" | "ENCRYPTION_KEYS" | "ENCRYPTION_KEY_FILE">>,
  options: { checkKeys?: boolean } = {},
): Promise<StoreRepositories> {
  const cipher = new FieldCipher(readEncryptionKeys(config));
  const store = await openStore(config, cipher);
  if (options.checkKeys === false) return store;
  try {
    await checkStoredKeys(store.encryption, new Date().toISOString());
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openStore(
  config: Parameters<typeof openRepository>[0],
  cipher: FieldCipher,
): Promise<StoreRepositories> {
  if (config.MONGODB_URL) {
    const store = new MongoStore({ url: config.MONGODB_URL, databaseName: config.MONGODB_DATABASE, cipher });
    await store.init();
    return store;
  }
  createPrivateDirectory(config.DATA_DIR);
  const path = join(config.DATA_DIR, "chat.sqlite");
  makeDatabaseFilesPrivate(path);
  return new SqliteStore({ path, synchronous: config.SQLITE_SYNCHRONOUS, cipher });
}
