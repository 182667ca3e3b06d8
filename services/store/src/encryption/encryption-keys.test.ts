import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@chat/runtime";
import { readEncryptionKeys } from "./encryption-keys.ts";

const directory = mkdtempSync(join(tmpdir(), "encryption-keys-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const key = () => randomBytes(32).toString("base64");

function configError(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("no ConfigError");
}

describe("readEncryptionKeys", () => {
  test("none set: no keys, encryption off", () => {
    expect(readEncryptionKeys({})).toEqual([]);
  });

  test("ENCRYPTION_KEYS first, then the key file; the first one encrypts", () => {
    const path = join(directory, "keys");
    writeFileSync(path, `# old keys\nk1:${key()}\n`, { mode: 0o600 });
    const keys = readEncryptionKeys({
      ENCRYPTION_KEYS: `k3:${key()}, k2:${key()}`,
      ENCRYPTION_KEY_FILE: path,
    });
    expect(keys.map((entry) => entry.id)).toEqual(["k3", "k2", "k1"]);
    expect(keys.every((entry) => entry.bytes.length === 32)).toBe(true);
  });

  test("a key that is not 32 bytes is a start-up error naming the variable and the key", () => {
    const short = randomBytes(16).toString("base64");
    expect(configError(() => readEncryptionKeys({ ENCRYPTION_KEYS: `k1:${short}` }))).toContain(
      'ENCRYPTION_KEYS: key "k1" is 16 bytes',
    );
    expect(configError(() => readEncryptionKeys({ ENCRYPTION_KEYS: key() }))).toContain("ENCRYPTION_KEYS");
  });

  test("an id given twice is refused", () => {
    expect(configError(() => readEncryptionKeys({ ENCRYPTION_KEYS: `k1:${key()},k1:${key()}` }))).toContain(
      '"k1" is given twice',
    );
  });

  test("a key file that group or others may read, or that is missing, is refused naming it", () => {
    const path = join(directory, "open-keys");
    writeFileSync(path, `k1:${key()}\n`);
    chmodSync(path, 0o644);
    expect(configError(() => readEncryptionKeys({ ENCRYPTION_KEY_FILE: path }))).toContain(
      `ENCRYPTION_KEY_FILE: ${path} is open to group or others`,
    );
    expect(configError(() => readEncryptionKeys({ ENCRYPTION_KEY_FILE: join(directory, "none") }))).toContain(
      "ENCRYPTION_KEY_FILE: cannot read",
    );
  });
});
