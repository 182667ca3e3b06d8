import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptionContract } from "../contract/encryption.contract.ts";
import { storeContract } from "../contract/store-contract.ts";
import { storedUser } from "../contract/store-fixtures.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { SqliteStore } from "./sqlite-store.ts";

/** The schema of the first release (migration 1), frozen here: files written by it must keep opening. */
const firstReleaseSchema = `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     email_normalized TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE chats (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     title TEXT NOT NULL,
     model TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_activity_at TEXT NOT NULL
   );
   CREATE INDEX chats_by_user_activity ON chats (user_id, last_activity_at DESC, id DESC);
   CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at TEXT NOT NULL,
     code_blocks TEXT,
     finish_reason TEXT,
     model TEXT,
     usage TEXT,
     client_message_id TEXT
   );
   CREATE INDEX messages_by_chat_time ON messages (chat_id, created_at, id);`;

const directory = mkdtempSync(join(tmpdir(), "sqlite-store-"));
let files = 0;

function newDatabasePath(): string {
  files += 1;
  return join(directory, `chat-${files}.sqlite`);
}

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

storeContract("SqliteStore", async () => {
  const store = new SqliteStore({ path: newDatabasePath() });
  return { store, cleanup: () => store.close() };
});

// Every behaviour of the store holds with encryption at rest on too.
const cipher = new FieldCipher([{ id: "k1", bytes: randomBytes(32) }]);
storeContract(
  "SqliteStore, encrypted at rest",
  async () => {
    const store = new SqliteStore({ path: newDatabasePath(), cipher });
    return { store, cleanup: () => store.close() };
  },
  { encrypted: true },
);

encryptionContract("SqliteStore", async () => {
  const path = newDatabasePath();
  let store: SqliteStore | undefined;
  const withFile = <T>(use: (database: Database) => T): T => {
    const database = new Database(path, { strict: true });
    try {
      return use(database);
    } finally {
      database.close();
    }
  };
  return {
    async open(cipher) {
      await store?.close();
      store = new SqliteStore({ path, cipher });
      return store;
    },
    rawText: async () =>
      withFile((database) =>
        database
          .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((table) => JSON.stringify(database.query(`SELECT * FROM ${table.name}`).all()))
          .join("\n"),
      ),
    overwriteStoredTitle: async (chatId, stored) =>
      withFile((database) => {
        database.query("UPDATE chats SET title = $stored WHERE id = $chatId").run({ chatId, stored });
      }),
    cleanup: async () => {
      await store?.close();
    },
  };
});

describe("SqliteStore on a file", () => {
  test("keeps users, chats and messages after closing and reopening the file", async () => {
    const path = newDatabasePath();
    const first = new SqliteStore({ path });
    const user = {
      id: "u1",
      email: "Ada@example.com",
      name: "Ada",
      role: "user" as const,
      passwordHash: "$argon2id$hash",
      createdAt: "2025-01-01T00:00:00.000Z",
    };
    await first.users.createUser(user);
    const chat = await first.chats.createChat({
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
    await first.chats.appendMessage("u1", message);
    const schemaVersion = first.schemaVersion;
    await first.close();
    expect(await first.isReady()).toBe(false);

    const reopened = new SqliteStore({ path });

    expect(await reopened.users.findUserByEmail("ada@example.com")).toStrictEqual(user);
    expect(await reopened.chats.getChat("c1", "u1")).toStrictEqual({
      ...chat,
      lastActivityAt: message.createdAt,
      messageCount: 1,
      needsHelp: false,
      assisted: false,
      heldBy: null,
    });
    expect((await reopened.chats.listMessages("c1", "u1", { limit: 10 })).items).toStrictEqual([message]);
    expect(reopened.schemaVersion).toBe(schemaVersion);
    await reopened.close();
  });

  test("re-keys users stored with a lower-case-only email key, so look-alikes of them are taken", async () => {
    const path = newDatabasePath();
    await new SqliteStore({ path }).close();
    const old = new Database(path);
    const insertUser = old.query(
      `INSERT INTO users (id, email, email_normalized, name, role, password_hash, created_at)
       VALUES (?1, ?2, ?2, 'Old', 'user', '$argon2id$hash', ?3)`,
    );
    insertUser.run("u1", "ｋａｔｅ@example.com", "2025-01-01T00:00:00.000Z");
    insertUser.run("u2", "kate@example.com.", "2025-01-02T00:00:00.000Z");
    insertUser.run("u3", "josé@exemple.fr", "2025-01-03T00:00:00.000Z");
    old.close();

    const repository = new SqliteStore({ path });

    expect((await repository.users.findUserByEmail("kate@example.com"))?.id).toBe("u1");
    expect((await repository.users.findUserByEmail("ｋａｔｅ@example.com"))?.id).toBe("u1");
    expect((await repository.users.findUserByEmail("JOSÉ@exemple.fr"))?.id).toBe("u3");
    const lookAlike = storedUser("u4", "KATE@example.com");
    await expect(repository.users.createUser(lookAlike)).rejects.toMatchObject({ code: "EMAIL_TAKEN" });
    // The younger of two old accounts that now share a key keeps its old one.
    const keys = new Database(path, { readonly: true })
      .query<{ id: string; key: string }, []>("SELECT id, email_normalized AS key FROM users ORDER BY id")
      .all();
    expect(keys).toEqual([
      { id: "u1", key: "kate@example.com" },
      { id: "u2", key: "kate@example.com." },
      { id: "u3", key: "josé@exemple.fr" },
    ]);
    await repository.close();
  });

  test("opens the file in WAL mode with the schema migrated", async () => {
    const path = newDatabasePath();
    const repository = new SqliteStore({ path });
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
    expect(tables).toEqual([
      "answer_drafts",
      "api_keys",
      "attachments",
      "audit_log",
      "chat_help_events",
      "chat_projects",
      "chat_sessions",
      "chats",
      "deleted_messages",
      "encryption_keys",
      "messages",
      "notification_deliveries",
      "refresh_token_families",
      "refresh_tokens",
      "revoked_sign_ins",
      "shares",
      "staff_recipients",
      "usage_records",
      "users",
    ]);
    database.close();
  });

  test("migrates a file of the first release, keeping its data and gaining the new features", async () => {
    const path = newDatabasePath();
    const old = new Database(path, { create: true });
    old.run("PRAGMA journal_mode = WAL");
    old.run(firstReleaseSchema);
    old.run("PRAGMA user_version = 1");
    old.run(
      `INSERT INTO users VALUES ('u1', 'Ada@example.com', 'ada@example.com', 'Ada', 'user', '$argon2id$hash',
       '2025-01-01T00:00:00.000Z')`,
    );
    old.run(
      `INSERT INTO chats VALUES ('c1', 'u1', 'Old chat', 'demo', '2025-01-01T00:00:00.000Z',
       '2025-01-01T00:01:00.000Z')`,
    );
    old.run(
      `INSERT INTO messages VALUES ('m1', 'c1', 'assistant', 'Still here', '2025-01-01T00:01:00.000Z', NULL,
       'stop', 'demo', '{"inputTokens":1,"outputTokens":2}', NULL)`,
    );
    old.close();

    const repository = new SqliteStore({ path });

    expect(repository.schemaVersion).toBe(17);
    const chat = {
      id: "c1",
      title: "Old chat",
      model: "demo",
      createdAt: "2025-01-01T00:00:00.000Z",
      lastActivityAt: "2025-01-01T00:01:00.000Z",
      messageCount: 1,
      needsHelp: false,
      assisted: false,
      heldBy: null,
      pinned: false,
      archived: false,
    };
    expect(await repository.chats.getChat("c1", "u1")).toStrictEqual(chat);
    expect((await repository.chats.listMessages("c1", "u1", { limit: 10 })).items).toStrictEqual([
      {
        id: "m1",
        chatId: "c1",
        role: "assistant",
        content: "Still here",
        createdAt: "2025-01-01T00:01:00.000Z",
        finishReason: "stop",
        model: "demo",
        usage: { inputTokens: 1, outputTokens: 2 },
      },
    ]);
    expect((await repository.users.findUserById("u1"))?.email).toBe("Ada@example.com");
    expect(await repository.chats.updateChat("c1", "u1", { systemPrompt: "Be brief." })).toStrictEqual({
      chat: { ...chat, systemPrompt: "Be brief." },
      updated: true,
    });
    await repository.credentials.createApiKey("u1", {
      id: "k1",
      name: "CLI",
      prefix: "sk-abc",
      hash: "hash-1",
      createdAt: "2025-01-02T00:00:00.000Z",
    });
    expect(
      (await repository.credentials.findApiKeyByHash("hash-1", "2025-01-03T00:00:00.000Z"))?.user.id,
    ).toBe("u1");
    await repository.credentials.startRefreshFamily({
      hash: "refresh-1",
      familyId: "f1",
      userId: "u1",
      createdAt: "2100-01-02T00:00:00.000Z",
      expiresAt: "2100-02-01T00:00:00.000Z",
    });
    const rotated = await repository.credentials.rotateRefreshToken("refresh-1", {
      hash: "refresh-2",
      createdAt: "2100-01-03T00:00:00.000Z",
      expiresAt: "2100-02-02T00:00:00.000Z",
    });
    expect(rotated).toMatchObject({ outcome: "rotated", user: { id: "u1", email: "Ada@example.com" } });
    const external = await repository.users.findOrCreateExternalUser(
      { issuer: "https://idp.example.com/", subject: "ada" },
      {
        id: "x1",
        email: "Ada@example.com",
        name: "Ada",
        role: "user",
        createdAt: "2025-01-03T00:00:00.000Z",
      },
    );
    expect(external.id).toBe("x1");
    // An old chat is one path, ending at its newest message, which can get a version.
    expect(await repository.chats.activeLeaf("c1", "u1")).toStrictEqual({ id: "m1", version: 0 });
    expect(await repository.chats.getMessage("c1", "u1", "m1")).toMatchObject({ parentId: null });
    const version = {
      id: "m2",
      chatId: "c1",
      role: "assistant" as const,
      content: "Again",
      createdAt: "2025-01-01T00:02:00.000Z",
      parentId: null,
    };
    await repository.chats.appendMessage("u1", version, { activeLeafVersion: 1 });
    expect((await repository.chats.getMessage("c1", "u1", "m2"))?.siblingIds).toEqual(["m1", "m2"]);
    expect(await repository.chats.deleteMessage("u1", "c1", "m1")).toBe(true);
    await repository.credentials.revokeSignIn("f1", "2025-01-03T00:00:00.000Z", "2025-01-03T00:15:00.000Z");
    // A user of the first release can be made an agent; the change is logged.
    expect((await repository.users.changeRole("u1", "agent")).user.role).toBe("agent");
    expect(
      await repository.auditLog.append({
        id: "a1",
        actor: { id: "x1", email: "Ada@example.com" },
        action: "role_changed",
        chatId: null,
        details: { userId: "u1", from: "user", to: "agent" },
        at: "2025-01-03T00:02:00.000Z",
      }),
    ).toBe(true);
    expect(await repository.credentials.isSignInRevoked("f1", "2025-01-03T00:01:00.000Z")).toBe(true);
    await repository.close();

    // Opening the migrated file again applies nothing twice.
    const reopened = new SqliteStore({ path });
    expect(reopened.schemaVersion).toBe(17);
    expect((await reopened.chats.getChat("c1", "u1"))?.systemPrompt).toBe("Be brief.");
    expect((await reopened.credentials.listApiKeys("u1")).map((key) => key.id)).toEqual(["k1"]);
    expect(await reopened.credentials.isSignInRevoked("f1", "2025-01-03T00:01:00.000Z")).toBe(true);
    expect(await reopened.credentials.revokeRefreshFamily("refresh-2", "2100-01-04T00:00:00.000Z")).toBe(
      "f1",
    );
    expect(
      await reopened.chats.appendMessage("u1", {
        id: "m1",
        chatId: "c1",
        role: "assistant",
        content: "Back again",
        createdAt: "2025-01-05T00:00:00.000Z",
      }),
    ).toBe(false);
    await reopened.close();
  });

  test("works in memory", async () => {
    const repository = new SqliteStore({ path: ":memory:" });
    await repository.chats.createChat({
      id: "c1",
      userId: "u1",
      title: "T",
      model: "demo",
      createdAt: "2025-01-01T00:00:00Z",
    });
    expect(await repository.isReady()).toBe(true);
    expect((await repository.chats.listChats("u1", { limit: 1 })).items).toHaveLength(1);
    await repository.close();
  });
});
