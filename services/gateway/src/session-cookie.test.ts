import { describe, expect, test } from "bun:test";
import {
  clearedRefreshCookie,
  clearedSessionCookie,
  cookieValue,
  refreshCookie,
  refreshTokenFrom,
  sessionCookie,
  sessionTokenFrom,
} from "./session-cookie.ts";

describe("session and refresh cookies", () => {
  test("the session cookie is httpOnly, Lax, for every path; Secure when asked", () => {
    expect(sessionCookie("t", { maxAgeSeconds: 900, secure: false })).toBe(
      "chat_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=900",
    );
    expect(sessionCookie("t", { maxAgeSeconds: 900, secure: true })).toEndWith("; Secure");
    expect(clearedSessionCookie(false)).toBe("chat_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  });

  test("the refresh cookie is httpOnly, Strict and only for /api/auth; Secure when asked", () => {
    expect(refreshCookie("r", { maxAgeSeconds: 60, secure: true })).toBe(
      "chat_refresh=r; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=60; Secure",
    );
    expect(clearedRefreshCookie(false)).toBe(
      "chat_refresh=; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=0",
    );
  });

  test("reads each cookie from a Cookie header; empty or missing is null", () => {
    const header = "theme=dark; chat_session=a.b.c; chat_refresh=xyz==";
    expect(sessionTokenFrom(header)).toBe("a.b.c");
    expect(refreshTokenFrom(header)).toBe("xyz==");
    expect(refreshTokenFrom("chat_refresh=")).toBeNull();
    expect(sessionTokenFrom(undefined)).toBeNull();
    expect(cookieValue("xchat_session=1", "chat_session")).toBeNull();
  });
});
