import { describe, expect, test } from "bun:test";
import { Chat } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { at, type MakeStore, newChat, storePerTest, userMessage } from "./store-fixtures.ts";

/** Help requests and takeover: the chat's marks, its owner for staff, message counts, agents' messages. */
export function chatAssistanceContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatRepository: assistance contract)`, () => {
    const store = storePerTest(make);
    const hold = { agentId: "a1", name: "Grace", since: at(20), expiresAt: at(140) };

    describe("assistance", () => {
      test("marks are set without moving the activity; assisted stays once set; absent marks keep", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));

        const asked = await store.chats.markChat("c1", "u1", { needsHelp: true });
        expect(asked).toMatchObject({
          needsHelp: true,
          assisted: false,
          heldBy: null,
          lastActivityAt: at(10),
        });

        const held = await store.chats.markChat("c1", "u1", {
          needsHelp: false,
          assisted: true,
          heldBy: hold,
        });
        expect(held).toMatchObject({ needsHelp: false, assisted: true, heldBy: hold });
        expect(Value.Check(Chat, held)).toBe(true);

        const released = await store.chats.markChat("c1", "u1", { heldBy: null });
        expect(released).toMatchObject({ needsHelp: false, assisted: true, heldBy: null });
        expect(await store.chats.markChat("c1", "u1", {})).toStrictEqual(released);
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual(released);
      });

      test("another user's chat is not marked", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));

        expect(await store.chats.markChat("c1", "u2", { needsHelp: true })).toBeNull();
        expect(await store.chats.markChat("nope", "u1", { needsHelp: true })).toBeNull();
        expect((await store.chats.getChat("c1", "u1"))?.needsHelp).toBe(false);
      });

      test("chats whose recorded hold expired are listed for the sweep, oldest expiry first", async () => {
        for (const id of ["c1", "c2", "c3", "c4"]) await store.chats.createChat(newChat(id, "u1", 10));
        await store.chats.markChat("c1", "u1", { heldBy: { ...hold, expiresAt: at(100) } });
        await store.chats.markChat("c2", "u1", { heldBy: { ...hold, expiresAt: at(50) } });
        await store.chats.markChat("c3", "u1", { heldBy: { ...hold, expiresAt: at(300) } });

        expect(await store.chats.listExpiredHolds(at(200), 10)).toEqual([
          { chatId: "c2", userId: "u1" },
          { chatId: "c1", userId: "u1" },
        ]);
        expect(await store.chats.listExpiredHolds(at(200), 1)).toEqual([{ chatId: "c2", userId: "u1" }]);
        await store.chats.markChat("c2", "u1", { heldBy: null });
        expect(await store.chats.listExpiredHolds(at(200), 10)).toEqual([{ chatId: "c1", userId: "u1" }]);
      });

      test("a chat's owner is found by its id alone, for staff", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));

        expect(await store.chats.findChatOwner("c1")).toBe("u1");
        expect(await store.chats.findChatOwner("nope")).toBeNull();
      });

      test("chats count their messages in the list; a deleted message no longer counts", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));
        await store.chats.createChat(newChat("c2", "u1", 11));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 12));
        await store.chats.appendMessage("u1", userMessage("m2", "c1", 13));
        await store.chats.appendMessage("u1", userMessage("m2", "c1", 13));
        await store.chats.appendMessage("u1", userMessage("m3", "c2", 9));

        const counts = (await store.chats.listChats("u1", { limit: 10 })).items.map((chat) => [
          chat.id,
          chat.messageCount,
        ]);
        expect(counts).toStrictEqual([
          ["c1", 2],
          ["c2", 1],
        ]);
        await store.chats.deleteMessage("u1", "c1", "m1");
        expect((await store.chats.getChat("c1", "u1"))?.messageCount).toBe(1);
      });

      test("an agent's message keeps its author", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));
        const message = {
          ...userMessage("m1", "c1", 12),
          role: "assistant" as const,
          author: { kind: "agent" as const, id: "a1", name: "Grace" },
        };

        await store.chats.appendMessage("u1", message);

        expect((await store.chats.recentMessages("c1", "u1", 10)).messages).toStrictEqual([message]);
      });
    });
  });
}
