import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { AppError } from "@chat/contracts";
import type { EncryptionKey } from "./encryption-keys.ts";

/**
 * Each kind of value encrypted at rest. The name is the associated data of its ciphertext, so a
 * value copied into another column, or another kind of record, fails to decrypt. A new field is
 * one entry here and one `seal`/`open` pair in each adapter.
 */
export type EncryptedField =
  | "chat.title"
  | "chat.systemPrompt"
  | "message.content"
  | "message.codeBlocks"
  | "message.attachments"
  | "answerDraft.content"
  | "attachment.name"
  | "share.title"
  | "share.messages"
  | "project.name"
  | "project.instructions";

const prefix = "enc:v1:";
// Marks a plain text that itself starts with "enc:", stored while encryption is off, so it is never
// taken for a ciphertext.
const escapePrefix = "enc:plain:";
const ivBytes = 12;
const tagBytes = 16;
const tokenBytes = 8;
const longestIndexedWord = 64;

/**
 * The field cipher of the store: AES-256-GCM with a random 96-bit IV per value, written as
 * `enc:v1:<keyId>:<base64(iv|ciphertext|tag)>`. The first key encrypts, every key decrypts; a
 * value without the prefix (stored before encryption was turned on) reads as it is. Without keys
 * it is off: `seal` returns the text unchanged. Also makes the blind index of search: keyed HMAC
 * tokens of the words of a text.
 *
 * @example
 * const cipher = new FieldCipher(readEncryptionKeys(process.env));
 * const stored = cipher.seal("message.content", "Hello"); // "enc:v1:k1:…"
 * cipher.open("message.content", stored); // "Hello"
 */
export class FieldCipher {
  private readonly keys: Map<string, Buffer>;
  private readonly tokenKeys: Map<string, Buffer>;
  private readonly current: string | null;

  constructor(keys: readonly EncryptionKey[] = []) {
    this.keys = new Map(keys.map((key) => [key.id, key.bytes]));
    this.tokenKeys = new Map(
      keys.map((key) => [
        key.id,
        Buffer.from(hkdfSync("sha256", key.bytes, Buffer.alloc(0), "chat search tokens v1", 32)),
      ]),
    );
    this.current = keys[0]?.id ?? null;
  }

  /** A cipher without keys: values are stored as they are. */
  static readonly off = new FieldCipher();

  /** Whether values are encrypted when written. */
  get enabled(): boolean {
    return this.current !== null;
  }

  /** The id of the key that encrypts; null when encryption is off. */
  get currentKeyId(): string | null {
    return this.current;
  }

  /** The ids of every configured key. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** The stored form of `text`: encrypted with the current key, or `text` itself when off. */
  seal(field: EncryptedField, text: string): string {
    if (this.current === null) return text.startsWith("enc:") ? escapePrefix + text : text;
    const key = this.keys.get(this.current) as Buffer;
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(field));
    const body = Buffer.concat([iv, cipher.update(text, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${prefix}${this.current}:${body.toString("base64")}`;
  }

  /**
   * The text of a stored value. Throws DATA_UNREADABLE when its key is not configured, or it was
   * altered, or it was sealed for another field: never garbage.
   */
  open(field: EncryptedField, stored: string): string {
    if (stored.startsWith(escapePrefix)) return stored.slice(escapePrefix.length);
    const keyId = keyIdOf(stored);
    if (keyId === null) return stored;
    const key = this.keys.get(keyId);
    if (!key)
      throw new AppError(
        "DATA_UNREADABLE",
        `A stored ${field} is encrypted with key "${keyId}", which is not configured`,
      );
    const body = Buffer.from(stored.slice(prefix.length + keyId.length + 1), "base64");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, body.subarray(0, ivBytes));
      decipher.setAAD(Buffer.from(field));
      decipher.setAuthTag(body.subarray(body.length - tagBytes));
      return Buffer.concat([
        decipher.update(body.subarray(ivBytes, body.length - tagBytes)),
        decipher.final(),
      ]).toString("utf8");
    } catch (error) {
      throw new AppError(
        "DATA_UNREADABLE",
        `A stored ${field} does not decrypt: it was altered or belongs elsewhere`,
        {
          cause: error,
        },
      );
    }
  }

  /** `seal` of a value that may be absent. */
  sealOptional(field: EncryptedField, text: string | null | undefined): string | null {
    return text === null || text === undefined ? null : this.seal(field, text);
  }

  /** Whether a stored value is already encrypted with the current key (the sweep leaves it); plain values are when off. */
  isCurrent(stored: string): boolean {
    return keyIdOf(stored) === this.current;
  }

  /**
   * The blind index of a text of the user `userId`: one token per distinct word (letters and
   * digits, NFKC, lower case), a keyed HMAC of the user and the word under the current key, so the
   * same user's equal words give equal tokens, and nothing else can be read from them (not even
   * that two users wrote the same word). Empty when encryption is off.
   */
  searchTokens(text: string, userId: string): string[] {
    if (this.current === null) return [];
    return [...new Set(wordsOf(text))].map((word) => this.token(this.current as string, userId, word));
  }

  /**
   * What a search of the user's texts for `query` looks for: per word, its token under every
   * configured key (a value not yet moved to the current key still matches). Empty when the query
   * has no word.
   */
  queryTokens(query: string, userId: string): string[][] {
    return [...new Set(wordsOf(query))].map((word) =>
      this.keyIds.map((keyId) => this.token(keyId, userId, word)),
    );
  }

  private token(keyId: string, userId: string, word: string): string {
    const mac = createHmac("sha256", this.tokenKeys.get(keyId) as Buffer)
      .update(`${userId}\u0000${word}`)
      .digest();
    return mac.subarray(0, tokenBytes).toString("base64url");
  }
}

/**
 * The id of the key a stored value is encrypted with; null for a plain value.
 *
 * @example
 * keyIdOf("enc:v1:k1:AAAA"); // "k1"
 */
export function keyIdOf(stored: string): string | null {
  if (!stored.startsWith(prefix)) return null;
  const end = stored.indexOf(":", prefix.length);
  return end < 0 ? null : stored.slice(prefix.length, end);
}

/**
 * The words search matches, as `searchTokens` reads them: runs of letters and digits, NFKC and
 * lower case, each cut at 64 characters.
 *
 * @example
 * wordsOf("Pasta, PESTO!"); // ["pasta", "pesto"]
 */
export function wordsOf(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).map((word) => word.slice(0, longestIndexedWord));
}
