import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupSqliteDatabase } from "./sqlite-backup.ts";
import { SqliteStore } from "./sqlite-store.ts";

const directory = mkdtempSync(join(tmpdir(), "chat-backup-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function storeWithChat(path: string): Promise<SqliteStore> {
  const store = new SqliteStore({ path });
  await store.users.createUser({
    id: "u1",
    email: "ada@example.com",
    name: "Ada",
    role: "user",
    passwordHash: "$argon2id$hash",
    createdAt: "2025-01-01T00:00:00.000Z",
  });
  await store.chats.createChat({
    id: "c1",
    userId: "u1",
    title: "Backed up",
    model: "demo",
    createdAt: "2025-01-01T00:00:00.000Z",
  });
  return store;
}

const message = (index: number) => ({
  id: `m${String(index).padStart(5, "0")}`,
  chatId: "c1",
  role: "user" as const,
  content: `message ${index}`,
  createdAt: new Date(Date.parse("2025-01-01T00:00:00.000Z") + index * 1000).toISOString(),
});

describe("backupSqliteDatabase", () => {
  test("a backup taken while another process writes is the database at one moment, and restores as a working store", async () => {
    const source = join(directory, "live.sqlite");
    await (await storeWithChat(source)).close();
    // Another process, as the running store would be, appends messages without pause.
    const writerScript = join(directory, "writer.ts");
    writeFileSync(
      writerScript,
      `import { SqliteStore } from ${JSON.stringify(join(import.meta.dir, "sqlite-store.ts"))};
const store = new SqliteStore({ path: ${JSON.stringify(source)} });
for (let index = 0; ; index++) {
  await store.chats.appendMessage("u1", { id: "m" + String(index).padStart(6, "0"), chatId: "c1", role: "user", content: "message " + index, createdAt: new Date(1735689600000 + index * 1000).toISOString() });
  if (index === 100) console.log("writing");
}`,
    );
    const writer = Bun.spawn([process.execPath, writerScript], { stdout: "pipe", stderr: "inherit" });
    const reader = writer.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("writing");

    const target = join(directory, "backup.sqlite");
    const backup = backupSqliteDatabase(source, target);
    await Bun.sleep(50);
    writer.kill();
    await writer.exited;

    expect(backup.bytes).toBe(statSync(target).size);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const live = new SqliteStore({ path: source });
    const written = (await live.chats.listMessages("c1", "u1", { limit: 1_000_000 })).items.length;
    expect(backup.schemaVersion).toBe(live.schemaVersion);
    await live.close();

    // Restored: the copy opens as the store, holding the first messages in order, none torn.
    const restored = new SqliteStore({ path: target });
    expect((await restored.chats.getChat("c1", "u1"))?.title).toBe("Backed up");
    const kept = (await restored.chats.listMessages("c1", "u1", { limit: 1_000_000 })).items;
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.length).toBeLessThan(written);
    expect(new Set(kept.map((item) => item.content))).toEqual(
      new Set(Array.from({ length: kept.length }, (_, index) => `message ${index}`)),
    );
    await restored.chats.appendMessage("u1", message(written));
    await restored.close();
  }, 30_000);

  test("an existing file is never overwritten, and a missing database is an error", async () => {
    const source = join(directory, "other.sqlite");
    await (await storeWithChat(source)).close();
    const taken = join(directory, "taken.sqlite");
    writeFileSync(taken, "keep me");
    expect(() => backupSqliteDatabase(source, taken)).toThrow();
    expect(await Bun.file(taken).text()).toBe("keep me");
    expect(() =>
      backupSqliteDatabase(join(directory, "missing.sqlite"), join(directory, "x.sqlite")),
    ).toThrow("No database");
  });
});
