import { describe, expect, test } from "bun:test";
import { parseRoute, routeOfLegacyHash, routePath } from "./app-route.ts";

describe("app routes in the URL's path", () => {
  test("a chat's path names it, and back", () => {
    expect(parseRoute("/chats/01JABCdef_-9")).toEqual({ kind: "chat", chatId: "01JABCdef_-9" });
    expect(routePath({ kind: "chat", chatId: "01JABCdef_-9" })).toBe("/chats/01JABCdef_-9");
    expect(parseRoute(routePath({ kind: "chat", chatId: "x1" }))).toEqual({ kind: "chat", chatId: "x1" });
    expect(parseRoute(`/chats/${"a".repeat(64)}`)).toEqual({ kind: "chat", chatId: "a".repeat(64) });
  });

  test("the root, unknown and malformed paths are the new-chat page", () => {
    for (const path of [
      "/",
      "",
      "/settings",
      "/chats",
      "/chats/",
      "/chats/abc/",
      "/chats/a/b",
      "/chats/a%20b",
      "/chats/..%2Fx",
      "/chats/%3Cx%3E",
      `/chats/${"a".repeat(65)}`,
      "/api/chats/abc",
    ]) {
      expect({ path, route: parseRoute(path) }).toEqual({ path, route: { kind: "new-chat" } });
    }
    expect(routePath({ kind: "new-chat" })).toBe("/");
  });
});

describe("hashes from before routes were paths", () => {
  test("a chat's old hash names the same chat, so its path", () => {
    const route = routeOfLegacyHash("#/chats/01JABCdef_-9");
    expect(route).toEqual({ kind: "chat", chatId: "01JABCdef_-9" });
    expect(routeOfLegacyHash("#/chats/x1/")).toEqual({ kind: "chat", chatId: "x1" });
    expect(route && routePath(route)).toBe("/chats/01JABCdef_-9");
  });

  test("`#/` and any other old route, malformed ones included, were the new-chat page", () => {
    for (const hash of ["#/", "#/settings", "#/chats/", "#/chats/a b", "#/chats/../x", "#/chats/<x>"]) {
      expect({ hash, route: routeOfLegacyHash(hash) }).toEqual({ hash, route: { kind: "new-chat" } });
    }
  });

  test("a hash that was never a route is left alone", () => {
    for (const hash of ["", "#", "#message", "#chats/abc"]) {
      expect({ hash, route: routeOfLegacyHash(hash) }).toEqual({ hash, route: undefined });
    }
  });
});
