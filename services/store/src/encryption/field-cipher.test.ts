import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { AppError } from "@chat/contracts";
import { FieldCipher, keyIdOf, wordsOf } from "./field-cipher.ts";

const k1 = { id: "k1", bytes: randomBytes(32) };
const k2 = { id: "k2", bytes: randomBytes(32) };

function openError(cipher: FieldCipher, field: Parameters<FieldCipher["open"]>[0], stored: string): unknown {
  try {
    cipher.open(field, stored);
    return null;
  } catch (error) {
    return error;
  }
}

describe("FieldCipher", () => {
  test("seals a value into enc:v1:<keyId>:<base64>, holding no plaintext, and opens it again", () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.seal("message.content", "The launch code is swordfish ✓");

    expect(stored).toMatch(/^enc:v1:k1:[A-Za-z0-9+/]+=*$/);
    expect(stored).not.toContain("swordfish");
    expect(keyIdOf(stored)).toBe("k1");
    expect(cipher.open("message.content", stored)).toBe("The launch code is swordfish ✓");
  });

  test("every seal takes a fresh IV: the same text twice gives two ciphertexts", () => {
    const cipher = new FieldCipher([k1]);
    expect(cipher.seal("chat.title", "Pasta")).not.toBe(cipher.seal("chat.title", "Pasta"));
  });

  test("a ciphertext moved to another field does not decrypt: DATA_UNREADABLE", () => {
    const cipher = new FieldCipher([k1]);
    const error = openError(cipher, "chat.title", cipher.seal("message.content", "secret"));
    expect(AppError.isInstance(error) && error.code).toBe("DATA_UNREADABLE");
  });

  test("an altered ciphertext is DATA_UNREADABLE, never garbage", () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.seal("message.content", "a long enough secret text");
    const body = Buffer.from(stored.slice("enc:v1:k1:".length), "base64");
    body[20] = (body[20] ?? 0) ^ 1;
    const error = openError(cipher, "message.content", `enc:v1:k1:${body.toString("base64")}`);
    expect(AppError.isInstance(error) && error.code).toBe("DATA_UNREADABLE");
  });

  test("a value of a key that is not configured is DATA_UNREADABLE naming the key", () => {
    const stored = new FieldCipher([k1]).seal("chat.title", "Pasta");
    const error = openError(new FieldCipher([k2]), "chat.title", stored);
    expect(AppError.isInstance(error) && error.code).toBe("DATA_UNREADABLE");
    expect((error as Error).message).toContain('"k1"');
  });

  test("the first key encrypts, every key decrypts", () => {
    const old = new FieldCipher([k1]).seal("chat.title", "Old");
    const rotated = new FieldCipher([k2, k1]);

    expect(rotated.open("chat.title", old)).toBe("Old");
    expect(keyIdOf(rotated.seal("chat.title", "New"))).toBe("k2");
    expect(rotated.isCurrent(old)).toBe(false);
    expect(rotated.isCurrent(rotated.seal("chat.title", "New"))).toBe(true);
  });

  test("a plain value (stored before encryption was on) reads as it is and is not current", () => {
    const cipher = new FieldCipher([k1]);
    expect(cipher.open("message.content", "Hello")).toBe("Hello");
    expect(cipher.isCurrent("Hello")).toBe(false);
  });

  test("off, values are stored as they are, and a text that looks encrypted is kept apart", () => {
    const off = FieldCipher.off;
    expect(off.enabled).toBe(false);
    expect(off.seal("message.content", "Hello")).toBe("Hello");
    const lookalike = off.seal("message.content", "enc:v1:k1:AAAA");
    expect(off.open("message.content", lookalike)).toBe("enc:v1:k1:AAAA");
    expect(off.isCurrent(lookalike)).toBe(true);
    expect(new FieldCipher([k1]).open("message.content", lookalike)).toBe("enc:v1:k1:AAAA");
  });
});

describe("search tokens", () => {
  test("one token per distinct word, equal for equal words whatever their case or width", () => {
    const cipher = new FieldCipher([k1]);
    const tokens = cipher.searchTokens("Pasta, PASTA and ｐａｓｔａ night", "u1");

    expect(tokens).toHaveLength(3);
    expect(tokens.every((token) => /^[A-Za-z0-9_-]{11}$/.test(token))).toBe(true);
    expect(cipher.searchTokens("pasta", "u1")[0]).toBe(tokens[0]);
    expect(tokens.join(" ")).not.toContain("pasta");
  });

  test("another user's equal word gives another token: rows of two users cannot be matched up", () => {
    const cipher = new FieldCipher([k1]);
    expect(cipher.searchTokens("pasta", "u1")).not.toEqual(cipher.searchTokens("pasta", "u2"));
  });

  test("another key gives other tokens; a query asks for the word under every key", () => {
    const rotated = new FieldCipher([k2, k1]);
    const onlyK1 = new FieldCipher([k1]);

    expect(onlyK1.searchTokens("pasta", "u1")).not.toEqual(rotated.searchTokens("pasta", "u1"));
    expect(rotated.queryTokens("Pasta night", "u1")).toEqual([
      [...rotated.searchTokens("pasta", "u1"), ...onlyK1.searchTokens("pasta", "u1")],
      [...rotated.searchTokens("night", "u1"), ...onlyK1.searchTokens("night", "u1")],
    ]);
  });

  test("off there is no index; words are runs of letters and digits", () => {
    expect(FieldCipher.off.searchTokens("pasta", "u1")).toEqual([]);
    expect(wordsOf("C3PO's über-Plan, 2025!")).toEqual(["c3po", "s", "über", "plan", "2025"]);
  });
});
