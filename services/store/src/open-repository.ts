import { join } from "node:path";
import { createPrivateDirectory } from "@chat/runtime";
import { MongoStore } from "./mongo/mongo-store.ts";
import { makeDatabaseFilesPrivate } from "./private-database-file.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreConfig } from "./store-config.ts";
import type { StoreRepositories } from "./store-repositories.ts";

/**
 * MongoDB when MONGODB_URL is set, else the SQLite file `chat.sqlite` under DATA_DIR: the directory
 * created owner-only (0700), the database and its `-wal` / `-shm` files 0600.
 */
export async function openRepository(
  config: Pick<StoreConfig, "DATA_DIR" | "MONGODB_URL" | "MONGODB_DATABASE"> &
    Partial<Pick<StoreConfig, "SQLITE_SYNCHRONOUS">>,
): Promise<StoreRepositories> {
  if (config.MONGODB_URL) {
    const store = new MongoStore({ url: config.MONGODB_URL, databaseName: config.MONGODB_DATABASE });
    await store.init();
    return store;
  }
  createPrivateDirectory(config.DATA_DIR);
  const path = join(config.DATA_DIR, "chat.sqlite");
  makeDatabaseFilesPrivate(path);
  return new SqliteStore({ path, synchronous: config.SQLITE_SYNCHRONOUS });
}
