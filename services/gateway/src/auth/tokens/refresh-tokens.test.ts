import { describe, expect, test } from "bun:test";
import { hashRefreshToken, RefreshTokens } from "./refresh-tokens.ts";

describe("RefreshTokens", () => {
  const now = new Date("2025-01-01T00:00:00.000Z");
  const tokens = new RefreshTokens(3_600, () => now);

  test("a new token: 32 random bytes in base64url, its SHA-256, created now and expiring after the TTL", () => {
    const token = tokens.next();
    expect(token.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.token, "base64url")).toHaveLength(32);
    expect(token.hash).toBe(new Bun.CryptoHasher("sha256").update(token.token).digest("hex"));
    expect(token.createdAt).toBe("2025-01-01T00:00:00.000Z");
    expect(token.expiresAt).toBe("2025-01-01T01:00:00.000Z");
  });

  test("no two tokens are alike", () => {
    const seen = new Set(Array.from({ length: 1_000 }, () => tokens.next().token));
    expect(seen.size).toBe(1_000);
  });

  test("only the form of a token is well formed", () => {
    expect(tokens.isWellFormed(tokens.next().token)).toBe(true);
    for (const junk of ["", "short", "x".repeat(44), `${"a".repeat(42)}=`, `${"a".repeat(42)}+`]) {
      expect(tokens.isWellFormed(junk)).toBe(false);
    }
  });

  test("the hash is hex SHA-256", () => {
    expect(hashRefreshToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
