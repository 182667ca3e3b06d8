import { describe, expect, test } from "bun:test";
import { parseRoute, routeHash } from "./app-route.ts";

describe("app routes in the URL hash", () => {
  test("a chat's hash names it, and back", () => {
    expect(parseRoute("#/chats/01JABCdef_-9")).toEqual({ kind: "chat", chatId: "01JABCdef_-9" });
    expect(routeHash({ kind: "chat", chatId: "01JABCdef_-9" })).toBe("#/chats/01JABCdef_-9");
    expect(parseRoute(routeHash({ kind: "chat", chatId: "x1" }))).toEqual({ kind: "chat", chatId: "x1" });
  });

  test("empty, unknown and malformed hashes are the new-chat page", () => {
    for (const hash of [
      "",
      "#",
      "#/",
      "#/settings",
      "#/chats/",
      "#/chats/a b",
      "#/chats/../x",
      "#/chats/<x>",
    ]) {
      expect(parseRoute(hash)).toEqual({ kind: "new-chat" });
    }
    expect(routeHash({ kind: "new-chat" })).toBe("#/");
  });
});
