import { beforeEach, describe, expect, test } from "bun:test";
import type { AnswerDraft } from "@chat/contracts";
import { at, type MakeStore, newChat, storePerTest, userMessage } from "./store-fixtures.ts";

/** The ChatRepository: deleting messages, answer drafts part of the store contract, run against the adapter that `make` opens. */
export function messageDeletionContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatRepository: deleting messages, answer drafts contract)`, () => {
    const store = storePerTest(make);

    describe("answer drafts", () => {
      beforeEach(async () => {
        await store.chats.createChat(newChat("c1", "u1", 0));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 10));
      });

      function draft(messageId: string, content: string, updatedAtSeconds: number): AnswerDraft {
        return {
          messageId,
          chatId: "c1",
          userId: "u1",
          content,
          model: "demo",
          createdAt: at(11),
          updatedAt: at(updatedAtSeconds),
        };
      }

      test("keeps the newest checkpoint of each answer, never as a message", async () => {
        expect(await store.chats.saveAnswerDraft(draft("a1", "", 11))).toBe(true);
        expect(await store.chats.saveAnswerDraft(draft("a1", "The answer so", 12))).toBe(true);
        expect(await store.chats.listAnswerDrafts(10)).toStrictEqual([draft("a1", "The answer so", 12)]);
        const messages = await store.chats.recentMessages("c1", "u1", 10);
        expect(messages.messages.map((message) => message.id)).toEqual(["m1"]);
      });

      test("lists the least recently checkpointed first, up to the limit", async () => {
        await store.chats.saveAnswerDraft(draft("a2", "Two", 30));
        await store.chats.saveAnswerDraft(draft("a1", "One", 20));
        await store.chats.saveAnswerDraft(draft("a3", "Three", 40));
        const listed = await store.chats.listAnswerDrafts(2);
        expect(listed.map((found) => found.messageId)).toEqual(["a1", "a2"]);
      });

      test("the written answer drops its draft, and a late checkpoint of it is refused", async () => {
        await store.chats.saveAnswerDraft(draft("a1", "The answer so", 12));
        await store.chats.appendMessage("u1", {
          ...userMessage("a1", "c1", 11),
          role: "assistant",
          content: "The answer so far and more.",
          finishReason: "stop",
        });
        expect(await store.chats.listAnswerDrafts(10)).toEqual([]);
        expect(await store.chats.saveAnswerDraft(draft("a1", "The answer so far", 13))).toBe(false);
        expect(await store.chats.listAnswerDrafts(10)).toEqual([]);
      });

      test("a deleted answer drops its draft and takes none after", async () => {
        await store.chats.saveAnswerDraft(draft("a1", "Partly", 12));
        await store.chats.deleteMessage("u1", "c1", "a1");
        expect(await store.chats.listAnswerDrafts(10)).toEqual([]);
        expect(await store.chats.saveAnswerDraft(draft("a1", "Partly more", 13))).toBe(false);
        expect(await store.chats.listAnswerDrafts(10)).toEqual([]);
      });

      test("only the chat's own user saves a draft, and deleting the chat drops its drafts", async () => {
        expect(await store.chats.saveAnswerDraft({ ...draft("a1", "Stolen", 12), userId: "u2" })).toBe(false);
        expect(await store.chats.saveAnswerDraft({ ...draft("a1", "x", 12), chatId: "missing" })).toBe(false);
        expect(await store.chats.listAnswerDrafts(10)).toEqual([]);
        await store.chats.saveAnswerDraft(draft("a1", "Partly", 12));
        await store.chats.deleteChat("c1", "u1");
        expect(await store.chats.listAnswerDrafts(10)).toEqual([]);
      });
    });
    describe("deleting a message", () => {
      beforeEach(async () => {
        await store.chats.createChat(newChat("c1", "u1", 0));
      });

      async function messageIds(chatId: string, userId: string): Promise<string[]> {
        return (await store.chats.listMessages(chatId, userId, { limit: 10 })).items.map(
          (message) => message.id,
        );
      }

      test("removes the message from listings and search, true once and false after", async () => {
        await store.chats.appendMessage("u1", { ...userMessage("m1", "c1", 10), content: "Pasta tonight?" });
        await store.chats.appendMessage("u1", {
          ...userMessage("m2", "c1", 20),
          role: "assistant",
          content: "Pasta with pesto.",
        });
        expect((await store.chats.searchChats("u1", "pesto", { limit: 10 })).items).toHaveLength(1);

        expect(await store.chats.deleteMessage("u1", "c1", "m2")).toBe(true);
        expect(await store.chats.deleteMessage("u1", "c1", "m2")).toBe(false);

        expect(await messageIds("c1", "u1")).toEqual(["m1"]);
        expect(
          (await store.chats.recentMessages("c1", "u1", 10)).messages.map((message) => message.id),
        ).toEqual(["m1"]);
        expect(await store.chats.searchChats("u1", "pesto", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });
        const [hit] = (await store.chats.searchChats("u1", "pasta", { limit: 10 })).items;
        expect(hit?.match).toMatchObject({ in: "message", messageId: "m1" });
        expect((await store.chats.getChat("c1", "u1"))?.lastActivityAt).toBe(at(20));
      });

      test("a deleted id is never written again, not even with other content", async () => {
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 10));
        await store.chats.deleteMessage("u1", "c1", "m1");

        expect(
          await store.chats.appendMessage("u1", { ...userMessage("m1", "c1", 30), content: "Again" }),
        ).toBe(false);
        expect(await messageIds("c1", "u1")).toEqual([]);
      });

      test("a deletion before the write makes the write a no-op that returns false", async () => {
        expect(await store.chats.deleteMessage("u1", "c1", "m1")).toBe(false);

        expect(await store.chats.appendMessage("u1", userMessage("m1", "c1", 10))).toBe(false);
        expect(await store.chats.appendMessage("u1", userMessage("m1", "c1", 10))).toBe(false);

        expect(await messageIds("c1", "u1")).toEqual([]);
        expect((await store.chats.getChat("c1", "u1"))?.lastActivityAt).toBe(at(0));
        expect(await store.chats.appendMessage("u1", userMessage("m2", "c1", 20))).toBe(true);
        expect(await messageIds("c1", "u1")).toEqual(["m2"]);
      });

      test("a deletion racing the write leaves no message, whichever runs first", async () => {
        const ids = ["a", "b", "c", "d", "e", "f"];
        await Promise.all(
          ids.map((id, index) => {
            const append = () => store.chats.appendMessage("u1", userMessage(id, "c1", 10 + index));
            const remove = () => store.chats.deleteMessage("u1", "c1", id);
            return index % 2 === 0 ? Promise.all([append(), remove()]) : Promise.all([remove(), append()]);
          }),
        );

        expect(await messageIds("c1", "u1")).toEqual([]);
        for (const id of ids) {
          expect(await store.chats.appendMessage("u1", userMessage(id, "c1", 50))).toBe(false);
        }
      });

      test("in another user's chat or a missing one, does nothing and leaves no tombstone", async () => {
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 10));

        expect(await store.chats.deleteMessage("intruder", "c1", "m1")).toBe(false);
        expect(await store.chats.deleteMessage("intruder", "c1", "m2")).toBe(false);
        expect(await store.chats.deleteMessage("u1", "missing", "m3")).toBe(false);

        expect(await messageIds("c1", "u1")).toEqual(["m1"]);
        expect(await store.chats.appendMessage("u1", userMessage("m2", "c1", 20))).toBe(true);
        await store.chats.createChat(newChat("missing", "u1", 30));
        expect(await store.chats.appendMessage("u1", userMessage("m3", "missing", 31))).toBe(true);
        expect(await messageIds("c1", "u1")).toEqual(["m1", "m2"]);
      });

      test("deleting the chat removes its tombstones with it", async () => {
        await store.chats.createChat(newChat("c2", "u1", 5));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 10));
        await store.chats.deleteMessage("u1", "c1", "m1");
        await store.chats.deleteMessage("u1", "c1", "m2");
        await store.chats.deleteMessage("u1", "c2", "m3");

        expect(await store.chats.deleteChat("c1", "u1")).toBe(true);

        expect(await store.chats.getChat("c1", "u1")).toBeNull();
        expect(await store.chats.deleteChat("c1", "u1")).toBe(false);
        expect(await store.chats.appendMessage("u1", userMessage("m3", "c2", 20))).toBe(false);
        // The same chat id made again accepts the old message ids.
        await store.chats.createChat(newChat("c1", "u1", 30));
        expect(await store.chats.appendMessage("u1", userMessage("m1", "c1", 31))).toBe(true);
        expect(await store.chats.appendMessage("u1", userMessage("m2", "c1", 32))).toBe(true);
        expect(await messageIds("c1", "u1")).toEqual(["m1", "m2"]);
      });
    });
  });
}
