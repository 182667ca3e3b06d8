import { mkdirSync } from "node:fs";

/**
 * Creates the directory `path`, and any missing parent, readable by its owner only (0700): DATA_DIR
 * holds the database and the JWT secret. A directory that exists already is left as it is (it may
 * be a volume mounted by someone else); the files in it are made owner-only one by one.
 *
 * @example
 * createPrivateDirectory(config.DATA_DIR);
 */
export function createPrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}
