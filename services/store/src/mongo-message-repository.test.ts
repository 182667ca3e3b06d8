import { describe } from "bun:test";
import { messageRepositoryContract } from "./message-repository.contract.ts";
import { MongoMessageRepository } from "./mongo-message-repository.ts";

const mongoUrl = process.env.MONGODB_URL;
if (!mongoUrl) {
  console.warn(
    "skipped: MongoDB contract suite — MONGODB_URL is not set (`npm run test:mongo` runs it against mongo-wire; CI does)",
  );
}

describe.skipIf(!mongoUrl)("MongoMessageRepository", () => {
  let databases = 0;
  messageRepositoryContract("MongoMessageRepository", async () => {
    databases += 1;
    const databaseName = `test-store-${process.pid}-${databases}-${Math.random().toString(36).slice(2, 8)}`;
    const repository = new MongoMessageRepository({ url: mongoUrl ?? "", databaseName });
    await repository.init();
    return {
      repository,
      cleanup: async () => {
        await repository.dropDatabase();
        await repository.close();
      },
    };
  });
});
