import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "@chat/runtime";

/** One AES-256 key and the id that every value it encrypts carries. */
export type EncryptionKey = { id: string; bytes: Buffer };

const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The keys of ENCRYPTION_KEYS followed by those of ENCRYPTION_KEY_FILE (each `keyId:base64`, comma
 * or line separated); the first one encrypts, every one decrypts. Empty when neither is set:
 * encryption at rest is off. A key that is not 32 bytes, an id used twice, or a key file that group
 * or others may read throws a ConfigError naming the variable.
 *
 * @example
 * readEncryptionKeys({ ENCRYPTION_KEYS: "k2:…,k1:…" }); // [{ id: "k2", … }, { id: "k1", … }]
 */
export function readEncryptionKeys(settings: {
  ENCRYPTION_KEYS?: string;
  ENCRYPTION_KEY_FILE?: string;
}): EncryptionKey[] {
  const keys = parseKeys("ENCRYPTION_KEYS", settings.ENCRYPTION_KEYS ?? "");
  if (settings.ENCRYPTION_KEY_FILE) keys.push(...readKeyFile(settings.ENCRYPTION_KEY_FILE));
  const ids = new Set<string>();
  for (const key of keys) {
    if (ids.has(key.id))
      throw new ConfigError(`Invalid configuration — ENCRYPTION_KEYS: key id "${key.id}" is given twice`);
    ids.add(key.id);
  }
  return keys;
}

function readKeyFile(path: string): EncryptionKey[] {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0)
      throw new ConfigError(
        `Invalid configuration — ENCRYPTION_KEY_FILE: ${path} is open to group or others; run chmod 600 ${path}`,
      );
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `Invalid configuration — ENCRYPTION_KEY_FILE: cannot read ${path} (${(error as Error).message})`,
    );
  }
  return parseKeys("ENCRYPTION_KEY_FILE", text);
}

function parseKeys(variable: string, text: string): EncryptionKey[] {
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "" && !entry.startsWith("#"))
    .map((entry) => {
      const separator = entry.indexOf(":");
      const id = entry.slice(0, separator);
      if (separator < 0 || !keyIdPattern.test(id))
        throw new ConfigError(
          `Invalid configuration — ${variable}: each key is keyId:base64 with an id of letters, digits, _ or - (up to 32)`,
        );
      const bytes = Buffer.from(entry.slice(separator + 1), "base64");
      if (bytes.length !== 32)
        throw new ConfigError(
          `Invalid configuration — ${variable}: key "${id}" is ${bytes.length} bytes, AES-256 needs 32 (openssl rand -base64 32)`,
        );
      return { id, bytes };
    });
}
