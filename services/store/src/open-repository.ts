import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { MessageRepository } from "./message-repository.ts";
import { MongoMessageRepository } from "./mongo-message-repository.ts";
import { SqliteMessageRepository } from "./sqlite-message-repository.ts";
import type { StoreConfig } from "./store-config.ts";

/** MongoDB when MONGODB_URL is set, else the SQLite file `chat.sqlite` under DATA_DIR. */
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
  mkdirSync(config.DATA_DIR, { recursive: true });
  return new SqliteMessageRepository({ path: join(config.DATA_DIR, "chat.sqlite") });
}
