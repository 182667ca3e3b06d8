import { chmodSync, closeSync, existsSync, openSync } from "node:fs";

/** What SQLite keeps beside a database in WAL mode: the log and its shared-memory index. */
const companionSuffixes = ["-wal", "-shm"];

/**
 * Makes the SQLite database at `path` readable by its owner only (0600): creates it empty with that
 * mode when it is missing, since SQLite gives the `-wal` and `-shm` files it makes the database's
 * mode, and brings an existing database and its companions (an earlier version left them 0644)
 * down to it.
 *
 * @example
 * makeDatabaseFilesPrivate(join(config.DATA_DIR, "chat.sqlite"));
 */
export function makeDatabaseFilesPrivate(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, ...companionSuffixes.map((suffix) => `${path}${suffix}`)]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
