import { join } from "node:path";
import { createPrivateDirectory } from "@chat/runtime";
import type { MessageRepository } from "./message-repository.ts";
import { MongoMessageRepository } from "./mongo-message-repository.ts";
import { makeDatabaseFilesPrivate } from "./private-database-file.ts";
import { SqliteMessageRepository } from "./sqlite-message-repository.ts";
import type { StoreConfig } from "./store-config.ts";

/**
 * MongoDB when MONGODB_URL is set, else the SQLite file `chat.sqlite` under DATA_DIR: the directory
 * created owner-only (0700), the database and its `-wal` / `-shm` files 0600.
 */
export async function openRepository(
  config: Pick<StoreConfig, "DATA_DIR" | "MONGODB_URL" | "MONGODB_DATABASE">,
): Promise<MessageRepository> {
  if (config.MONGODB_URL) {
    const repository = new MongoMessageRepository({
      url: config.MONGODB_URL,
      databaseName: config.MONGODB_DATABASE,
    });
    await repository.init();
    return repository;
  }
  createPrivateDirectory(config.DATA_DIR);
  const path = join(config.DATA_DIR, "chat.sqlite");
  makeDatabaseFilesPrivate(path);
  return new SqliteMessageRepository({ path });
}
