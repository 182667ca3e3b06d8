import { describe, expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import {
  clearedRefreshCookie,
  clearedSessionCookie,
  refreshCookie,
  refreshTokenFrom,
  sessionCookie,
  sessionTokenFrom,
} from "./session-cookie.ts";

const plainReading = { secureOnly: false };
const secureReading = { secureOnly: true };

function refusal(read: () => unknown): string | undefined {
  try {
    read();
  } catch (error) {
    return AppError.isInstance(error) ? `${error.code} ${error.httpStatus}` : String(error);
  }
  return undefined;
}

describe("session and refresh cookies", () => {
  test("the session cookie is httpOnly, Lax, for every path; Secure and __Host- when asked", () => {
    expect(sessionCookie("t", { maxAgeSeconds: 900, secure: false })).toBe(
      "chat_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=900",
    );
    expect(sessionCookie("t", { maxAgeSeconds: 900, secure: true })).toBe(
      "__Host-chat_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=900; Secure",
    );
    expect(clearedSessionCookie(false)).toBe("chat_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  });

  test("the refresh cookie is httpOnly, Strict and only for /api/auth; Secure and __Secure- when asked", () => {
    expect(refreshCookie("r", { maxAgeSeconds: 60, secure: true })).toBe(
      "__Secure-chat_refresh=r; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=60; Secure",
    );
    expect(clearedRefreshCookie(false)).toBe(
      "chat_refresh=; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=0",
    );
  });

  test("reads each cookie from a Cookie header, by either name; empty or missing is null", () => {
    const header = "theme=dark; chat_session=a.b.c; chat_refresh=xyz==";
    expect(sessionTokenFrom(header, plainReading)).toBe("a.b.c");
    expect(refreshTokenFrom(header, plainReading)).toBe("xyz==");
    expect(refreshTokenFrom("chat_refresh=", plainReading)).toBeNull();
    expect(sessionTokenFrom(undefined, plainReading)).toBeNull();
    expect(sessionTokenFrom("xchat_session=1", plainReading)).toBeNull();
    expect(sessionTokenFrom("__Host-chat_session=p", plainReading)).toBe("p");
    expect(refreshTokenFrom("__Secure-chat_refresh=q", secureReading)).toBe("q");
  });

  test("with COOKIE_SECURE a plain name alone is no cookie: a sibling subdomain may have set it", () => {
    expect(sessionTokenFrom("chat_session=planted", secureReading)).toBeNull();
    expect(refreshTokenFrom("chat_refresh=planted", secureReading)).toBeNull();
  });

  test("two session or refresh cookies are refused as DUPLICATE_COOKIE, not answered for the first", () => {
    for (const reading of [plainReading, secureReading]) {
      expect(refusal(() => sessionTokenFrom("chat_session=planted; chat_session=mine", reading))).toBe(
        "DUPLICATE_COOKIE 400",
      );
      expect(refusal(() => sessionTokenFrom("chat_session=planted; __Host-chat_session=mine", reading))).toBe(
        "DUPLICATE_COOKIE 400",
      );
      expect(refusal(() => sessionTokenFrom("__Host-chat_session=a; __Host-chat_session=b", reading))).toBe(
        "DUPLICATE_COOKIE 400",
      );
      expect(
        refusal(() => refreshTokenFrom("chat_refresh=planted; __Secure-chat_refresh=mine", reading)),
      ).toBe("DUPLICATE_COOKIE 400");
    }
    // An empty value is no cookie (a cleared one the browser still sends), so it is no second one.
    expect(sessionTokenFrom("chat_session=; __Host-chat_session=mine", secureReading)).toBe("mine");
  });
});
