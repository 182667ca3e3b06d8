import { describe, expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import { checkPasswordPolicy, passwordProblem } from "./password-policy.ts";

const account = { email: "ada.lovelace@example.com", name: "Ada Lovelace" };
const policy = { minLength: 10 };

describe("passwordProblem", () => {
  test("accepts a long enough password that is none of the refused kinds", () => {
    expect(passwordProblem("correct horse battery", account, policy)).toBeNull();
    expect(passwordProblem("0123456789", account, policy)).toBeNull();
  });

  test("counts characters, not UTF-16 units: nine emoji are too short", () => {
    expect(passwordProblem("😀😁😂🤣😃😄😅😆😉", account, policy)).toContain("at least 10");
    expect(passwordProblem("😀😁😂🤣😃😄😅😆😉😊", account, policy)).toBeNull();
  });

  test("refuses the email, its part before the @, and the name, in any case and around spaces", () => {
    for (const password of ["ADA.LOVELACE@EXAMPLE.COM", "ada.lovelace", " Ada Lovelace "]) {
      expect(passwordProblem(password, account, policy)).toBe(
        "The password must not be the email or the name",
      );
    }
  });

  test("refuses one character repeated, whatever the character", () => {
    for (const password of ["aaaaaaaaaaaa", "            ", "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂"]) {
      expect(passwordProblem(password, account, policy)).toBe(
        "The password must not be one character repeated",
      );
    }
  });

  test("an empty name does not refuse every password", () => {
    expect(passwordProblem("correct horse battery", { email: "x@example.com", name: "" }, policy)).toBeNull();
  });
});

describe("checkPasswordPolicy", () => {
  test("throws VALIDATION_FAILED with a detail at /password", () => {
    const error = (() => {
      try {
        checkPasswordPolicy("short", account, policy);
        return null;
      } catch (caught) {
        return caught;
      }
    })();
    expect(AppError.isInstance(error)).toBe(true);
    expect((error as AppError).toBody()).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "The password must have at least 10 characters",
        details: [{ path: "/password", message: "The password must have at least 10 characters" }],
      },
    });
  });
});
