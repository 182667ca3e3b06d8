import { Database } from "bun:sqlite";
import { closeSync, existsSync, openSync, rmSync, statSync } from "node:fs";

export type SqliteBackup = { path: string; bytes: number; schemaVersion: number };

/**
 * Copies the live SQLite database at `sourcePath` to `targetPath` with `VACUUM INTO`: one read
 * transaction, so the copy is the database at one moment even while the store writes (WAL lets
 * the writer go on), compacted. The target is made empty and owner-only (0600) first, which
 * `VACUUM INTO` accepts and keeps, so it never overwrites an existing file and the copy is never
 * readable by others. The copy is checked (`PRAGMA integrity_check`); a failed one is removed.
 *
 * @example
 * const backup = backupSqliteDatabase("./data/chat.sqlite", "/backups/chat-2026-12-06.sqlite");
 */
export function backupSqliteDatabase(sourcePath: string, targetPath: string): SqliteBackup {
  if (!existsSync(sourcePath)) throw new Error(`No database at ${sourcePath}`);
  closeSync(openSync(targetPath, "wx", 0o600));
  let integrity: string | undefined;
  let schemaVersion = 0;
  try {
    const source = new Database(sourcePath, { readonly: true });
    try {
      source.run("VACUUM INTO ?", [targetPath]);
    } finally {
      source.close();
    }
    const copy = new Database(targetPath, { readonly: true });
    try {
      integrity = copy
        .query<{ integrity_check: string }, []>("PRAGMA integrity_check")
        .get()?.integrity_check;
      schemaVersion =
        copy.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
    } finally {
      copy.close();
    }
  } catch (error) {
    rmSync(targetPath, { force: true });
    throw error;
  }
  if (integrity !== "ok") {
    rmSync(targetPath, { force: true });
    throw new Error(`The copy failed its integrity check: ${integrity}`);
  }
  return { path: targetPath, bytes: statSync(targetPath).size, schemaVersion };
}
