import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { messageRepositoryContract } from "./message-repository.contract.ts";
import { SqliteMessageRepository } from "./sqlite-message-repository.ts";

const directory = mkdtempSync(join(tmpdir(), "sqlite-message-repository-"));
let files = 0;

function newDatabasePath(): string {
  files += 1;
  return join(directory, `chat-${files}.sqlite`);
}

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

messageRepositoryContract("SqliteMessageRepository", async () => {
  const repository = new SqliteMessageRepository({ path: newDatabasePath() });
  return { repository, cleanup: () => repository.close() };
});

describe("SqliteMessageRepository on a file", () => {
  test("keeps users, chats and messages after closing and reopening the file", async () => {
    const path = newDatabasePath();
    const first = new SqliteMessageRepository({ path });
    const user = {
      id: "u1",
      email: "Ada@example.com",
      name: "Ada",
      role: "user" as const,
      passwordHash: "$argon2id$hash",
      createdAt: "2025-01-01T00:00:00.000Z",
    };
    await first.createUser(user);
    const chat = await first.createChat({
      id: "c1",
      userId: "u1",
      title: "Kept",
      model: "demo",
      createdAt: "2025-01-01T00:00:00.000Z",
    });
    const message = {
      id: "m1",
      chatId: "c1",
      role: "assistant" as const,
      content: "Still here",
      createdAt: "2025-01-01T00:01:00.000Z",
      usage: { inputTokens: 1, outputTokens: 2 },
    };
    await first.appendMessage("u1", message);
    const schemaVersion = first.schemaVersion;
    await first.close();
    expect(await first.isReady()).toBe(false);

    const reopened = new SqliteMessageRepository({ path });

    expect(await reopened.findUserByEmail("ada@example.com")).toStrictEqual(user);
    expect(await reopened.getChat("c1", "u1")).toStrictEqual({ ...chat, lastActivityAt: message.createdAt });
    expect((await reopened.listMessages("c1", "u1", { limit: 10 })).items).toStrictEqual([message]);
    expect(reopened.schemaVersion).toBe(schemaVersion);
    await reopened.close();
  });

  test("opens the file in WAL mode with the schema migrated", async () => {
    const path = newDatabasePath();
    const repository = new SqliteMessageRepository({ path });
    expect(repository.schemaVersion).toBeGreaterThan(0);
    await repository.close();

    const database = new Database(path, { readonly: true });
    expect(database.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe(
      "wal",
    );
    const tables = database
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((table) => table.name);
    expect(tables).toEqual(["chats", "messages", "users"]);
    database.close();
  });

  test("works in memory", async () => {
    const repository = new SqliteMessageRepository({ path: ":memory:" });
    await repository.createChat({
      id: "c1",
      userId: "u1",
      title: "T",
      model: "demo",
      createdAt: "2025-01-01T00:00:00Z",
    });
    expect(await repository.isReady()).toBe(true);
    expect((await repository.listChats("u1", { limit: 1 })).items).toHaveLength(1);
    await repository.close();
  });
});
