import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDatabaseFilesPrivate } from "./private-database-file.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

const directory = mkdtempSync(join(tmpdir(), "private-database-file-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

test("a new database is created 0600, and SQLite makes its -wal and -shm files 0600 too", async () => {
  const path = join(directory, "new.sqlite");
  makeDatabaseFilesPrivate(path);
  expect(modeOf(path)).toBe("600");

  const repository = new SqliteStore({ path });
  await repository.chats.createChat({
    id: "c1",
    userId: "u1",
    title: "t",
    model: "demo",
    createdAt: new Date().toISOString(),
  });
  expect([modeOf(path), modeOf(`${path}-wal`), modeOf(`${path}-shm`)]).toEqual(["600", "600", "600"]);
  await repository.close();
});

test("the files an earlier version left readable (0644) are brought to 0600, their content kept", () => {
  const path = join(directory, "old.sqlite");
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    writeFileSync(file, "kept");
    chmodSync(file, 0o644);
  }
  makeDatabaseFilesPrivate(path);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    expect({ file, mode: modeOf(file), content: Bun.file(file).size }).toEqual({
      file,
      mode: "600",
      content: 4,
    });
  }
});
