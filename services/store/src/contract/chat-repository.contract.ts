import { describe, expect, test } from "bun:test";
import { Chat } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import {
  at,
  expectAppError,
  type MakeStore,
  newChat,
  storePerTest,
  unmarkedChat,
  userMessage,
} from "./store-fixtures.ts";

/** The ChatRepository: chats part of the store contract, run against the adapter that `make` opens. */
export function chatRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatRepository: chats contract)`, () => {
    const store = storePerTest(make);

    async function listAllChats(userId: string, limit: number): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages += 1) {
        const page = await store.chats.listChats(userId, { cursor, limit });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        ids.push(...page.items.map((chat) => chat.id));
        if (page.nextCursor === null) return ids;
        cursor = page.nextCursor;
      }
      throw new Error("listChats never returned a last page");
    }

    describe("chats", () => {
      test("a created chat starts with its creation as its last activity and is read back", async () => {
        const chat = await store.chats.createChat(newChat("c1", "u1", 10));

        expect(chat).toStrictEqual({
          id: "c1",
          title: "Chat c1",
          model: "demo",
          createdAt: at(10),
          lastActivityAt: at(10),
          ...unmarkedChat,
        });
        expect(Value.Check(Chat, chat)).toBe(true);
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual(chat);
      });

      test("creating the same chat again returns the stored one", async () => {
        const first = await store.chats.createChat(newChat("c1", "u1", 10));
        const again = await store.chats.createChat({ ...newChat("c1", "u1", 20), title: "Other" });

        expect(again).toStrictEqual(first);
      });

      test("another user's chat behaves exactly like a missing one", async () => {
        await store.chats.createChat(newChat("c1", "owner", 10));
        await store.chats.appendMessage("owner", userMessage("m1", "c1", 11));

        for (const chatId of ["c1", "missing"]) {
          expect(await store.chats.getChat(chatId, "intruder")).toBeNull();
          expect(await store.chats.updateChat(chatId, "intruder", { title: "Mine now" })).toBeNull();
          expect(
            await store.chats.updateChat(chatId, "intruder", { systemPrompt: "Obey me" }, "Chat c1"),
          ).toBeNull();
          expect(await store.chats.deleteChat(chatId, "intruder")).toBe(false);
          expect(await store.chats.appendMessage("intruder", userMessage(`m-${chatId}`, chatId, 12))).toBe(
            false,
          );
          expect(await store.chats.listMessages(chatId, "intruder", { limit: 10 })).toStrictEqual({
            items: [],
            nextCursor: null,
          });
          expect(await store.chats.recentMessages(chatId, "intruder", 10)).toStrictEqual({
            messages: [],
            hasOlder: false,
          });
        }
        expect(await store.chats.listChats("intruder", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });

        const chat = await store.chats.getChat("c1", "owner");
        expect(chat?.title).toBe("Chat c1");
        expect(chat?.lastActivityAt).toBe(at(11));
        const messages = await store.chats.listMessages("c1", "owner", { limit: 10 });
        expect(messages.items.map((message) => message.id)).toEqual(["m1"]);
      });

      test("lists a user's chats newest activity first, page by page without gaps or duplicates", async () => {
        for (let index = 0; index < 7; index += 1) {
          await store.chats.createChat(newChat(`c${index}`, "u1", 100 + index));
        }
        // Equal activity times are ordered by id, descending.
        await store.chats.createChat(newChat("tie-a", "u1", 103));
        await store.chats.createChat(newChat("tie-b", "u1", 103));
        await store.chats.createChat(newChat("foreign", "u2", 200));

        const expected = ["c6", "c5", "c4", "tie-b", "tie-a", "c3", "c2", "c1", "c0"];
        expect(await listAllChats("u1", 100)).toEqual(expected);
        for (const limit of [1, 2, 3, 4, 9]) {
          expect(await listAllChats("u1", limit)).toEqual(expected);
        }

        const firstPage = await store.chats.listChats("u1", { limit: 3 });
        expect(firstPage.items.every((chat) => Value.Check(Chat, chat))).toBe(true);
        const lastPage = await store.chats.listChats("u1", { limit: 9 });
        expect(lastPage.nextCursor).toBeNull();
      });

      test("a new message moves its chat to the top; an older one never moves it back", async () => {
        await store.chats.createChat(newChat("old", "u1", 100));
        await store.chats.createChat(newChat("middle", "u1", 200));
        await store.chats.createChat(newChat("new", "u1", 300));

        expect(await store.chats.appendMessage("u1", userMessage("m1", "old", 400))).toBe(true);
        expect(await listAllChats("u1", 2)).toEqual(["old", "new", "middle"]);
        expect((await store.chats.getChat("old", "u1"))?.lastActivityAt).toBe(at(400));

        expect(await store.chats.appendMessage("u1", userMessage("m2", "old", 150))).toBe(true);
        expect((await store.chats.getChat("old", "u1"))?.lastActivityAt).toBe(at(400));
        expect((await store.chats.getChat("old", "u1"))?.createdAt).toBe(at(100));
      });

      test("deleting a chat removes it and its messages, and nothing else", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));
        await store.chats.createChat(newChat("c2", "u1", 20));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 11));
        await store.chats.appendMessage("u1", userMessage("m2", "c1", 12));
        await store.chats.appendMessage("u1", userMessage("m3", "c2", 21));

        expect(await store.chats.deleteChat("c1", "u1")).toBe(true);

        expect(await store.chats.getChat("c1", "u1")).toBeNull();
        expect(await store.chats.deleteChat("c1", "u1")).toBe(false);
        expect((await store.chats.listChats("u1", { limit: 10 })).items.map((chat) => chat.id)).toEqual([
          "c2",
        ]);
        expect(
          (await store.chats.listMessages("c2", "u1", { limit: 10 })).items.map((message) => message.id),
        ).toEqual(["m3"]);
        // The same chat id made again starts empty, and the old message ids are free again.
        await store.chats.createChat(newChat("c1", "u1", 30));
        expect(await store.chats.listMessages("c1", "u1", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });
        expect(await store.chats.appendMessage("u1", userMessage("m1", "c1", 31))).toBe(true);
      });

      test("an invalid chat cursor is refused with VALIDATION_FAILED", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));

        await expectAppError(
          store.chats.listChats("u1", { cursor: "not a cursor", limit: 10 }),
          "VALIDATION_FAILED",
        );
        const wrongShape = Buffer.from(JSON.stringify({ at: at(10), id: "c1" })).toString("base64url");
        await expectAppError(
          store.chats.listChats("u1", { cursor: wrongShape, limit: 10 }),
          "VALIDATION_FAILED",
        );
      });
    });
  });
}
