import { describe, expect, test } from "bun:test";
import { AdminEmails } from "./admin-emails.ts";

describe("AdminEmails", () => {
  const admins = new AdminEmails(" Ada@Example.com, ,grace@example.com ");

  test("lists the comma-separated emails, trimmed, in any case", () => {
    expect(admins.includes("ada@example.com")).toBe(true);
    expect(admins.includes("GRACE@EXAMPLE.COM")).toBe(true);
    expect(admins.includes("linus@example.com")).toBe(false);
    expect(admins.includes("")).toBe(false);
  });

  test("compares normalized emails: a fullwidth or trailing-dot form is the same email", () => {
    expect(admins.includes("ＡＤＡ@example.com")).toBe(true);
    expect(admins.includes("ada@example.com.")).toBe(true);
  });

  test("an email with a control or invisible character never matches", () => {
    for (const email of [
      "ada@example.com\u200b",
      "a\u00adda@example.com",
      "ada@example.com\u0000",
      "\u202eada@example.com",
    ]) {
      expect(admins.includes(email)).toBe(false);
    }
  });

  test("roleOf: admin when listed; the stored role otherwise", () => {
    expect(admins.roleOf({ email: "ada@example.com", role: "user" })).toBe("admin");
    expect(admins.roleOf({ email: "ada@example.com", role: "agent" })).toBe("admin");
    expect(admins.roleOf({ email: "first@example.com", role: "admin" })).toBe("admin");
    expect(admins.roleOf({ email: "linus@example.com", role: "agent" })).toBe("agent");
    expect(admins.roleOf({ email: "linus@example.com", role: "user" })).toBe("user");
  });

  test("unset lists nobody", () => {
    expect(new AdminEmails(undefined).roleOf({ email: "ada@example.com", role: "user" })).toBe("user");
  });
});
