import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { encryptionContract } from "../contract/encryption.contract.ts";
import { storeContract } from "../contract/store-contract.ts";
import { storedUser } from "../contract/store-fixtures.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { MongoStore } from "./mongo-store.ts";

const mongoUrl = process.env.MONGODB_URL;
if (!mongoUrl) {
  console.warn(
    "skipped: MongoDB contract suite — MONGODB_URL is not set (`npm run test:mongo` runs it against mongo-wire; CI does)",
  );
}

let databases = 0;

function newDatabaseName(): string {
  databases += 1;
  return `test-store-${process.pid}-${databases}-${Math.random().toString(36).slice(2, 8)}`;
}

describe.skipIf(!mongoUrl)("MongoStore", () => {
  storeContract("MongoStore", async () => {
    const store = new MongoStore({ url: mongoUrl ?? "", databaseName: newDatabaseName() });
    await store.init();
    return {
      store,
      cleanup: async () => {
        await store.dropDatabase();
        await store.close();
      },
    };
  });

  // Every behaviour of the store holds with encryption at rest on too.
  const cipher = new FieldCipher([{ id: "k1", bytes: randomBytes(32) }]);
  storeContract(
    "MongoStore, encrypted at rest",
    async () => {
      const store = new MongoStore({ url: mongoUrl ?? "", databaseName: newDatabaseName(), cipher });
      await store.init();
      return {
        store,
        cleanup: async () => {
          await store.dropDatabase();
          await store.close();
        },
      };
    },
    { encrypted: true },
  );

  encryptionContract("MongoStore", async () => {
    const databaseName = newDatabaseName();
    const client = new MongoClient(mongoUrl ?? "");
    const database = client.db(databaseName);
    let store: MongoStore | undefined;
    return {
      async open(cipher) {
        await store?.close();
        store = new MongoStore({ url: mongoUrl ?? "", databaseName, cipher });
        await store.init();
        return store;
      },
      async rawText() {
        const collections = await database.listCollections({}, { nameOnly: true }).toArray();
        const documents = await Promise.all(
          collections.map((collection) => database.collection(collection.name).find({}).toArray()),
        );
        return JSON.stringify(documents);
      },
      async overwriteStoredTitle(chatId, stored) {
        await database
          .collection<{ _id: string }>("chats")
          .updateOne({ _id: chatId }, { $set: { title: stored } });
      },
      async cleanup() {
        await database.dropDatabase();
        await store?.close();
        await client.close();
      },
    };
  });

  test("init re-keys users stored with a lower-case-only email key, so look-alikes of them are taken", async () => {
    const databaseName = newDatabaseName();
    const client = new MongoClient(mongoUrl ?? "");
    const oldUser = (id: string, email: string, createdAt: string) => ({
      _id: id,
      email,
      emailNormalized: email,
      name: "Old",
      role: "user",
      passwordHash: "$argon2id$hash",
      createdAt,
    });
    await client
      .db(databaseName)
      .collection<{ _id: string }>("users")
      .insertMany([
        oldUser("u1", "ｋａｔｅ@example.com", "2025-01-01T00:00:00.000Z"),
        oldUser("u2", "kate@example.com.", "2025-01-02T00:00:00.000Z"),
        oldUser("u3", "josé@exemple.fr", "2025-01-03T00:00:00.000Z"),
      ]);
    await client.close();
    const repository = new MongoStore({ url: mongoUrl ?? "", databaseName });
    try {
      await repository.init();

      expect((await repository.users.findUserByEmail("kate@example.com"))?.id).toBe("u1");
      expect((await repository.users.findUserByEmail("JOSÉ@exemple.fr"))?.id).toBe("u3");
      const lookAlike = storedUser("u4", "KATE@example.com");
      await expect(repository.users.createUser(lookAlike)).rejects.toMatchObject({ code: "EMAIL_TAKEN" });
    } finally {
      await repository.dropDatabase();
      await repository.close();
    }
  });
});
