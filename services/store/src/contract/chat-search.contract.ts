import { describe, expect, test } from "bun:test";
import { ChatSearchHit, SEARCH_SNIPPET_CHARS } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { at, expectAppError, type MakeStore, newChat, storePerTest, userMessage } from "./store-fixtures.ts";

/**
 * The ChatRepository: search part of the store contract, run against the adapter that `make` opens.
 * `byWords`: the store encrypts at rest and matches whole words (its blind index) instead of
 * substrings; only the test of what a query's punctuation means differs.
 */
export function chatSearchContract(name: string, make: MakeStore, options: { byWords?: boolean } = {}): void {
  describe(`${name} (ChatRepository: search contract)`, () => {
    const store = storePerTest(make);

    describe("search", () => {
      async function searchAll(userId: string, query: string, limit: number): Promise<ChatSearchHit[]> {
        const hits: ChatSearchHit[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 100; pages += 1) {
          const page = await store.chats.searchChats(userId, query, { cursor, limit });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          hits.push(...page.items);
          if (page.nextCursor === null) return hits;
          cursor = page.nextCursor;
        }
        throw new Error("searchChats never returned a last page");
      }

      async function foundChatIds(userId: string, query: string): Promise<string[]> {
        return (await searchAll(userId, query, 100)).map((hit) => hit.chat.id);
      }

      test("finds chats by title or by a message; the title wins when both contain the query", async () => {
        const byTitle = await store.chats.createChat({
          ...newChat("by-title", "u1", 10),
          title: "Pasta recipes",
        });
        await store.chats.appendMessage("u1", {
          ...userMessage("m1", "by-title", 11),
          content: "Boil water",
        });
        const both = await store.chats.createChat({ ...newChat("both", "u1", 20), title: "Pasta night" });
        await store.chats.appendMessage("u1", { ...userMessage("m2", "both", 21), content: "More pasta!" });
        const byMessage = await store.chats.createChat({
          ...newChat("by-message", "u1", 30),
          title: "Dinner",
        });
        await store.chats.appendMessage("u1", {
          ...userMessage("m3", "by-message", 31),
          role: "assistant",
          content: "Try pasta with pesto.",
        });
        await store.chats.createChat({ ...newChat("none", "u1", 40), title: "Weather" });
        await store.chats.appendMessage("u1", { ...userMessage("m4", "none", 41), content: "Rain all day" });

        const page = await store.chats.searchChats("u1", "pasta", { limit: 10 });

        expect(page).toStrictEqual({
          items: [
            {
              chat: { ...byMessage, lastActivityAt: at(31), messageCount: 1 },
              match: {
                in: "message",
                messageId: "m3",
                role: "assistant",
                createdAt: at(31),
                snippet: "Try pasta with pesto.",
              },
            },
            { chat: { ...both, lastActivityAt: at(21), messageCount: 1 }, match: { in: "title" } },
            { chat: { ...byTitle, lastActivityAt: at(11), messageCount: 1 }, match: { in: "title" } },
          ],
          nextCursor: null,
        });
        expect(page.items.every((hit) => Value.Check(ChatSearchHit, hit))).toBe(true);
      });

      test("nothing matching is an empty last page", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 11));

        expect(await store.chats.searchChats("u1", "pasta", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });
      });

      test("the match is the newest message containing the query, by creation time, then id", async () => {
        await store.chats.createChat({ ...newChat("c1", "u1", 0), title: "Desserts" });
        await store.chats.appendMessage("u1", { ...userMessage("a", "c1", 11), content: "Apple pie" });
        // The same instant as at(13), written in another form.
        await store.chats.appendMessage("u1", {
          ...userMessage("c", "c1", 0),
          content: "apple tart",
          createdAt: "2025-01-01T02:00:13+02:00",
        });
        await store.chats.appendMessage("u1", { ...userMessage("b", "c1", 13), content: "APPLE crumble" });
        await store.chats.appendMessage("u1", { ...userMessage("d", "c1", 14), content: "Banana bread" });
        await store.chats.appendMessage("u1", { ...userMessage("e", "c1", 12), content: "An apple a day" });

        const [hit] = (await store.chats.searchChats("u1", "apple", { limit: 10 })).items;

        expect(hit?.match).toStrictEqual({
          in: "message",
          messageId: "c",
          role: "user",
          createdAt: at(13),
          snippet: "apple tart",
        });
        const listed = (await store.chats.listMessages("c1", "u1", { limit: 10 })).items;
        expect(listed.find((message) => message.id === "c")?.createdAt).toBe(at(13));
      });

      test("ignores the case of ASCII letters in titles and messages", async () => {
        await store.chats.createChat({ ...newChat("by-title", "u1", 10), title: "Weekend in PARIS" });
        await store.chats.createChat({ ...newChat("by-message", "u1", 20), title: "Travel" });
        await store.chats.appendMessage("u1", {
          ...userMessage("m1", "by-message", 21),
          content: "Flights to Paris are cheap",
        });

        for (const query of ["paris", "PARIS", "pArIs"]) {
          const hits = (await store.chats.searchChats("u1", query, { limit: 10 })).items;
          expect(hits.map((hit) => [hit.chat.id, hit.match.in])).toEqual([
            ["by-message", "message"],
            ["by-title", "title"],
          ]);
          expect(hits[0]?.match).toMatchObject({ snippet: "Flights to Paris are cheap" });
        }
      });

      test("the snippet of a long message shows the text around the query", async () => {
        const filler = "lorem ipsum dolor ".repeat(30);
        await store.chats.createChat(newChat("c1", "u1", 10));
        await store.chats.appendMessage("u1", {
          ...userMessage("m1", "c1", 11),
          content: `${filler}\n\nWhere is the Needle?\n\n${filler}`,
        });

        const [hit] = (await store.chats.searchChats("u1", "needle", { limit: 10 })).items;

        expect(hit && Value.Check(ChatSearchHit, hit)).toBe(true);
        const snippet = hit?.match.in === "message" ? hit.match.snippet : "";
        expect(snippet).toContain(" Where is the Needle? ");
        expect(snippet.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
        expect(snippet.startsWith("…")).toBe(true);
        expect(snippet.endsWith("…")).toBe(true);
      });

      test("never finds another user's chats, whatever their titles and messages contain", async () => {
        await store.chats.createChat({ ...newChat("theirs-by-title", "u2", 10), title: "Pasta secrets" });
        await store.chats.createChat({ ...newChat("theirs-by-message", "u2", 20), title: "Dinner" });
        await store.chats.appendMessage("u2", {
          ...userMessage("m1", "theirs-by-message", 21),
          content: "pasta",
        });
        await store.chats.createChat({ ...newChat("mine", "u1", 5), title: "Pasta" });

        expect(await foundChatIds("u1", "pasta")).toEqual(["mine"]);
        expect(await foundChatIds("intruder", "pasta")).toEqual([]);
        expect(await foundChatIds("u2", "pasta")).toEqual(["theirs-by-message", "theirs-by-title"]);
      });

      test("lists hits in listChats' order, page by page without gaps or duplicates, with its cursors", async () => {
        for (let index = 0; index < 6; index += 1) {
          const title = index % 2 === 0 ? `Pasta ${index}` : `Chat c${index}`;
          await store.chats.createChat({ ...newChat(`c${index}`, "u1", 100 + index), title });
        }
        await store.chats.createChat({ ...newChat("tie-a", "u1", 103), title: "Pasta tie" });
        await store.chats.createChat({ ...newChat("tie-b", "u1", 103), title: "Pasta tie" });
        await store.chats.appendMessage("u1", { ...userMessage("m1", "c1", 200), content: "Pasta again" });
        await store.chats.appendMessage("u1", { ...userMessage("m2", "c3", 150), content: "Soup" });
        await store.chats.createChat({ ...newChat("foreign", "u2", 300), title: "Pasta" });

        const listed = (await store.chats.listChats("u1", { limit: 100 })).items;
        expect(listed.map((chat) => chat.id)).toEqual(["c1", "c3", "c5", "c4", "tie-b", "tie-a", "c2", "c0"]);
        const expected = listed.filter((chat) => !["c3", "c5"].includes(chat.id));
        for (const limit of [1, 2, 3, 6, 100]) {
          expect((await searchAll("u1", "pasta", limit)).map((hit) => hit.chat)).toStrictEqual(expected);
        }
        expect((await store.chats.searchChats("u1", "pasta", { limit: 6 })).nextCursor).toBeNull();

        const afterFourListed = (await store.chats.listChats("u1", { limit: 4 })).nextCursor ?? undefined;
        const rest = await store.chats.searchChats("u1", "pasta", { cursor: afterFourListed, limit: 10 });
        expect(rest.items.map((hit) => hit.chat.id)).toEqual(["tie-b", "tie-a", "c2", "c0"]);
      });

      test("an invalid cursor or limit is refused with VALIDATION_FAILED", async () => {
        await store.chats.createChat({ ...newChat("c1", "u1", 10), title: "Pasta" });

        await expectAppError(
          store.chats.searchChats("u1", "pasta", { cursor: "not a cursor", limit: 10 }),
          "VALIDATION_FAILED",
        );
        const wrongShape = Buffer.from(JSON.stringify({ at: at(10), id: "c1" })).toString("base64url");
        await expectAppError(
          store.chats.searchChats("u1", "pasta", { cursor: wrongShape, limit: 10 }),
          "VALIDATION_FAILED",
        );
        await expectAppError(store.chats.searchChats("u1", "pasta", { limit: 0 }), "VALIDATION_FAILED");
      });

      if (options.byWords)
        test("matches whole words; punctuation only separates them", async () => {
          await store.chats.createChat({ ...newChat("percent", "u1", 10), title: "100% sure" });
          await store.chats.createChat({ ...newChat("underscore", "u1", 20), title: "snake_case names" });
          await store.chats.createChat({ ...newChat("formula", "u1", 40), title: "f(x) = x+1" });
          await store.chats.createChat({ ...newChat("plain", "u1", 50), title: "abc" });

          expect(await foundChatIds("u1", "SNAKE_case")).toEqual(["underscore"]);
          expect(await foundChatIds("u1", "(x)")).toEqual(["formula"]);
          expect(await foundChatIds("u1", "^abc$")).toEqual(["plain"]);
          expect(await foundChatIds("u1", "100%sure")).toEqual(["percent"]);
          for (const query of ["%", "_", ".*", "a.c", "snake_cas", "100%sur"]) {
            expect(await foundChatIds("u1", query)).toEqual([]);
          }
        });
      else
        test("takes LIKE and regular-expression metacharacters literally", async () => {
          await store.chats.createChat({ ...newChat("percent", "u1", 10), title: "100% sure" });
          await store.chats.createChat({ ...newChat("underscore", "u1", 20), title: "snake_case names" });
          await store.chats.createChat({ ...newChat("backslash", "u1", 30), title: "Paths" });
          await store.chats.appendMessage("u1", {
            ...userMessage("m1", "backslash", 31),
            content: "Open C:\\Users\\ada",
          });
          await store.chats.createChat({ ...newChat("formula", "u1", 40), title: "f(x) = x+1" });
          await store.chats.createChat({ ...newChat("plain", "u1", 50), title: "abc" });

          expect(await foundChatIds("u1", "%")).toEqual(["percent"]);
          expect(await foundChatIds("u1", "0% s")).toEqual(["percent"]);
          expect(await foundChatIds("u1", "_")).toEqual(["underscore"]);
          expect(await foundChatIds("u1", "\\")).toEqual(["backslash"]);
          expect(await foundChatIds("u1", "(x)")).toEqual(["formula"]);
          expect(await foundChatIds("u1", "x+1")).toEqual(["formula"]);
          for (const query of ["a%c", "a_c", ".*", "a.c", "^abc$"]) {
            expect(await foundChatIds("u1", query)).toEqual([]);
          }
        });
    });
  });
}
