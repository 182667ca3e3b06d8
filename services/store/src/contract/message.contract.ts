import { beforeEach, describe, expect, test } from "bun:test";
import { Message } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { at, expectAppError, type MakeStore, newChat, storePerTest, userMessage } from "./store-fixtures.ts";

/** The ChatRepository: messages part of the store contract, run against the adapter that `make` opens. */
export function messageContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatRepository: messages contract)`, () => {
    const store = storePerTest(make);

    async function listAllMessages(chatId: string, userId: string, limit: number): Promise<string[][]> {
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (let count = 0; count < 100; count += 1) {
        const page = await store.chats.listMessages(chatId, userId, { cursor, limit });
        pages.push(page.items.map((message) => message.id));
        if (page.nextCursor === null) return pages;
        cursor = page.nextCursor;
      }
      throw new Error("listMessages never returned a last page");
    }

    describe("messages", () => {
      beforeEach(async () => {
        await store.chats.createChat(newChat("c1", "u1", 0));
      });

      test("appending the same id twice stores the first and reports the second as not written", async () => {
        const first = userMessage("m1", "c1", 10);
        expect(await store.chats.appendMessage("u1", first)).toBe(true);

        const second = { ...first, content: "A different content", createdAt: at(50) };
        expect(await store.chats.appendMessage("u1", second)).toBe(false);

        expect((await store.chats.listMessages("c1", "u1", { limit: 10 })).items).toStrictEqual([first]);
        expect((await store.chats.getChat("c1", "u1"))?.lastActivityAt).toBe(at(10));
      });

      test("lists messages by creation time, then id, whatever the order of appending", async () => {
        await store.chats.appendMessage("u1", userMessage("m3", "c1", 30));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 10));
        await store.chats.appendMessage("u1", userMessage("b", "c1", 20));
        await store.chats.appendMessage("u1", userMessage("a", "c1", 20));

        const page = await store.chats.listMessages("c1", "u1", { limit: 10 });

        expect(page.items.map((message) => message.id)).toEqual(["m1", "a", "b", "m3"]);
        expect(page.nextCursor).toBeNull();
      });

      test("compares creation times as instants, not as the strings they were written in", async () => {
        await store.chats.appendMessage("u1", {
          ...userMessage("whole", "c1", 0),
          createdAt: "2025-01-01T00:00:01Z",
        });
        await store.chats.appendMessage("u1", {
          ...userMessage("half", "c1", 0),
          createdAt: "2025-01-01T02:00:00.500+02:00",
        });

        const page = await store.chats.listMessages("c1", "u1", { limit: 10 });

        expect(page.items.map((message) => [message.id, message.createdAt])).toEqual([
          ["half", "2025-01-01T00:00:00.500Z"],
          ["whole", "2025-01-01T00:00:01.000Z"],
        ]);
      });

      test("pages through messages without gaps or duplicates", async () => {
        for (let index = 0; index < 7; index += 1) {
          await store.chats.appendMessage("u1", userMessage(`m${index}`, "c1", 10 + index));
        }

        expect(await listAllMessages("c1", "u1", 3)).toEqual([
          ["m0", "m1", "m2"],
          ["m3", "m4", "m5"],
          ["m6"],
        ]);
        expect(await listAllMessages("c1", "u1", 7)).toEqual([["m0", "m1", "m2", "m3", "m4", "m5", "m6"]]);
        expect(await listAllMessages("c1", "u1", 1)).toHaveLength(7);
      });

      test("a page boundary falling between messages of the same time loses none of them", async () => {
        for (const id of ["e", "d", "c", "b", "a"]) {
          await store.chats.appendMessage("u1", userMessage(id, "c1", 10));
        }

        expect(await listAllMessages("c1", "u1", 2)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
      });

      test("recentMessages returns the newest ones, oldest first, and whether older ones exist", async () => {
        for (let index = 0; index < 5; index += 1) {
          await store.chats.appendMessage("u1", userMessage(`m${index}`, "c1", 10 + index));
        }

        const newestThree = await store.chats.recentMessages("c1", "u1", 3);
        expect(newestThree.messages.map((message) => message.id)).toEqual(["m2", "m3", "m4"]);
        expect(newestThree.hasOlder).toBe(true);

        const all = await store.chats.recentMessages("c1", "u1", 5);
        expect(all.messages.map((message) => message.id)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
        expect(all.hasOlder).toBe(false);

        expect(await store.chats.recentMessages("c1", "u1", 0)).toStrictEqual({
          messages: [],
          hasOlder: true,
        });
        expect(await store.chats.recentMessages("empty", "u1", 3)).toStrictEqual({
          messages: [],
          hasOlder: false,
        });
      });

      test("an assistant message keeps its code blocks, usage, finish reason, model and client id", async () => {
        const content = "Here:\n```ts\nconst answer = 42;\n```\n";
        const assistant: Message = {
          id: "m2",
          chatId: "c1",
          role: "assistant",
          content,
          createdAt: at(20),
          codeBlocks: [
            { language: "ts", code: "const answer = 42;\n", startIndex: 6, endIndex: content.length - 1 },
          ],
          finishReason: "length",
          model: "claude-sonnet-4",
          usage: { inputTokens: 120, outputTokens: 4096 },
          clientMessageId: "client-1",
        };
        const user = userMessage("m1", "c1", 10);
        await store.chats.appendMessage("u1", user);
        await store.chats.appendMessage("u1", assistant);

        const { items } = await store.chats.listMessages("c1", "u1", { limit: 10 });

        expect(items).toStrictEqual([user, assistant]);
        expect(items.every((message) => Value.Check(Message, message))).toBe(true);
        for (const field of ["codeBlocks", "finishReason", "model", "usage", "clientMessageId"]) {
          expect(items[0] && field in items[0]).toBe(false);
        }
        expect((await store.chats.recentMessages("c1", "u1", 1)).messages).toStrictEqual([assistant]);
      });

      test("an empty list of code blocks stays an empty list", async () => {
        const message: Message = { ...userMessage("m1", "c1", 10), role: "assistant", codeBlocks: [] };
        await store.chats.appendMessage("u1", message);

        expect((await store.chats.listMessages("c1", "u1", { limit: 1 })).items).toStrictEqual([message]);
      });

      test("an invalid message cursor is refused with VALIDATION_FAILED", async () => {
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 10));
        const valid = (await store.chats.listMessages("c1", "u1", { limit: 1 })).items;
        expect(valid).toHaveLength(1);

        for (const cursor of ["%%%", "", Buffer.from("[1,2]").toString("base64url"), `${"x".repeat(10)}!`]) {
          await expectAppError(
            store.chats.listMessages("c1", "u1", { cursor, limit: 10 }),
            "VALIDATION_FAILED",
          );
        }
        const notATime = Buffer.from(JSON.stringify(["yesterday", "m1"])).toString("base64url");
        await expectAppError(
          store.chats.listMessages("c1", "u1", { cursor: notATime, limit: 10 }),
          "VALIDATION_FAILED",
        );
      });
    });
  });
}
