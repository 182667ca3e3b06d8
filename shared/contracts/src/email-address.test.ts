import { describe, expect, test } from "bun:test";
import { emailAddressProblem, externalEmailKey, normalizeEmail } from "./email-address.ts";

describe("normalizeEmail", () => {
  test("look-alikes are one email: case, fullwidth, compatibility forms, trailing dot, spaces", () => {
    const lookAlikes = [
      "ada@example.com",
      "ADA@EXAMPLE.COM",
      "ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ",
      "ada＠example.com",
      "ada@example.com.",
      "  Ada@Example.com  ",
    ];
    for (const email of lookAlikes) expect(normalizeEmail(email)).toBe("ada@example.com");
    expect(normalizeEmail("\u212Aelvin@example.com")).toBe("kelvin@example.com");
    expect(normalizeEmail("ﬁona@example.com")).toBe("fiona@example.com");
    expect(normalizeEmail("STRASSE@example.de")).toBe(normalizeEmail("straße@example.de"));
  });

  test("is idempotent", () => {
    for (const email of [
      "ＡＤＡ@Example.COM.",
      "İlker@example.com",
      "ΟΔΟΣ@example.gr",
      "straße@example.de",
    ]) {
      expect(normalizeEmail(normalizeEmail(email))).toBe(normalizeEmail(email));
    }
  });

  test("keeps what is really different apart", () => {
    expect(normalizeEmail("ada@example.com")).not.toBe(normalizeEmail("ada@example.co"));
    expect(normalizeEmail("ada.l@example.com")).not.toBe(normalizeEmail("adal@example.com"));
  });
});

describe("emailAddressProblem", () => {
  test("an ordinary or international email has none", () => {
    for (const email of [
      "ada@example.com",
      "Ada.Lovelace+chat@Example.co.uk",
      "josé@exemple.fr",
      "ＡＤＡ@example.com",
    ]) {
      expect(emailAddressProblem(email)).toBeNull();
    }
  });

  test("control and invisible characters are refused, not stripped", () => {
    for (const invisible of [
      "\u0000",
      "\u0007",
      "\u007f",
      "\u0085",
      "\u200b",
      "\u200c",
      "\u200d",
      "\u2060",
      "\ufeff",
      "\u00ad",
      "\u202e",
      "\ufe0f",
    ]) {
      expect(emailAddressProblem(`a${invisible}da@example.com`)).toBe(
        "The email must not contain control or invisible characters",
      );
    }
  });

  test("what is not name@domain.tld once normalized, or too long, is refused", () => {
    for (const email of [
      "ada",
      "ada@example",
      "@example.com",
      "ada@@example.com",
      "a da@example.com",
      "a＠b@example.com",
    ]) {
      expect(emailAddressProblem(email)).toBe("The email must look like name@example.com");
    }
    expect(emailAddressProblem(`${"a".repeat(243)}@example.com`)).toContain("at most 254");
  });
});

test("externalEmailKey is never an email, and differs per identity", () => {
  const key = externalEmailKey({ issuer: "https://idp.example.com/", subject: "ada" });
  expect(emailAddressProblem(key)).not.toBeNull();
  expect(key).not.toBe(externalEmailKey({ issuer: "https://idp.example.com/", subject: "grace" }));
});
