import { describe, expect, test } from "bun:test";
import { Chat } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { at, type MakeStore, newChat, storePerTest, unmarkedChat, userMessage } from "./store-fixtures.ts";

/** The ChatRepository: chat settings part of the store contract, run against the adapter that `make` opens. */
export function chatSettingsContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatRepository: chat settings contract)`, () => {
    const store = storePerTest(make);

    describe("chat settings", () => {
      test("a chat created with a system prompt keeps it; an empty one is stored as none", async () => {
        const withPrompt = await store.chats.createChat({
          ...newChat("c1", "u1", 10),
          systemPrompt: "Be brief.",
        });
        const withEmptyPrompt = await store.chats.createChat({
          ...newChat("c2", "u1", 20),
          systemPrompt: "",
        });

        expect(withPrompt).toStrictEqual({
          id: "c1",
          title: "Chat c1",
          model: "demo",
          systemPrompt: "Be brief.",
          createdAt: at(10),
          lastActivityAt: at(10),
          ...unmarkedChat,
        });
        expect(Value.Check(Chat, withPrompt)).toBe(true);
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual(withPrompt);
        expect("systemPrompt" in withEmptyPrompt).toBe(false);
        expect(await store.chats.getChat("c2", "u1")).toStrictEqual(withEmptyPrompt);
        expect((await store.chats.listChats("u1", { limit: 10 })).items).toStrictEqual([
          withEmptyPrompt,
          withPrompt,
        ]);
      });

      test("updates title, model and system prompt without moving the chat's activity", async () => {
        await store.chats.createChat(newChat("c1", "u1", 10));
        const other = await store.chats.createChat(newChat("c2", "u1", 30));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 20));

        const result = await store.chats.updateChat("c1", "u1", {
          title: "A better title",
          model: "claude-sonnet-4",
          systemPrompt: "Answer in French.",
        });

        const expected = {
          id: "c1",
          title: "A better title",
          model: "claude-sonnet-4",
          systemPrompt: "Answer in French.",
          createdAt: at(10),
          lastActivityAt: at(20),
          ...unmarkedChat,
          messageCount: 1,
        };
        expect(result).toStrictEqual({ chat: expected, updated: true });
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual(expected);
        expect((await store.chats.listChats("u1", { limit: 10 })).items).toStrictEqual([other, expected]);
      });

      test("an absent change keeps its value; an empty system prompt clears it", async () => {
        await store.chats.createChat({ ...newChat("c1", "u1", 10), systemPrompt: "Be brief." });

        const modelChanged = await store.chats.updateChat("c1", "u1", { model: "gpt-5" });
        expect(modelChanged?.chat).toStrictEqual({
          id: "c1",
          title: "Chat c1",
          model: "gpt-5",
          systemPrompt: "Be brief.",
          createdAt: at(10),
          lastActivityAt: at(10),
          ...unmarkedChat,
        });

        const withoutPrompt = {
          id: "c1",
          title: "Chat c1",
          model: "gpt-5",
          createdAt: at(10),
          lastActivityAt: at(10),
          ...unmarkedChat,
        };
        expect(await store.chats.updateChat("c1", "u1", { systemPrompt: "" })).toStrictEqual({
          chat: withoutPrompt,
          updated: true,
        });
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual(withoutPrompt);
        expect((await store.chats.listChats("u1", { limit: 1 })).items).toStrictEqual([withoutPrompt]);

        // Clearing what is already clear is no error, and setting it again works.
        expect((await store.chats.updateChat("c1", "u1", { systemPrompt: "" }))?.chat).toStrictEqual(
          withoutPrompt,
        );
        const setAgain = await store.chats.updateChat("c1", "u1", { systemPrompt: "Be kind." });
        expect(setAgain?.chat.systemPrompt).toBe("Be kind.");
      });

      test("a temperature is kept from creation, set, kept by other changes and cleared by null", async () => {
        const created = await store.chats.createChat({ ...newChat("c1", "u1", 10), temperature: 0.7 });
        const withoutTemperature = await store.chats.createChat(newChat("c2", "u1", 20));
        expect(created.temperature).toBe(0.7);
        expect(Value.Check(Chat, created)).toBe(true);
        expect("temperature" in withoutTemperature).toBe(false);

        const base = {
          id: "c1",
          title: "Chat c1",
          createdAt: at(10),
          lastActivityAt: at(10),
          ...unmarkedChat,
        };
        expect((await store.chats.updateChat("c1", "u1", { temperature: 1.5 }))?.chat).toStrictEqual({
          ...base,
          model: "demo",
          temperature: 1.5,
        });
        expect((await store.chats.updateChat("c1", "u1", { model: "gpt-5" }))?.chat).toStrictEqual({
          ...base,
          model: "gpt-5",
          temperature: 1.5,
        });
        // 0 is a temperature, not the default.
        expect((await store.chats.updateChat("c1", "u1", { temperature: 0 }))?.chat.temperature).toBe(0);
        expect((await store.chats.getChat("c1", "u1"))?.temperature).toBe(0);

        const cleared = await store.chats.updateChat("c1", "u1", { temperature: null });
        expect(cleared).toStrictEqual({ chat: { ...base, model: "gpt-5" }, updated: true });
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual({ ...base, model: "gpt-5" });
        expect(
          (await store.chats.listChats("u1", { limit: 10 })).items.map((chat) => chat.temperature),
        ).toEqual([undefined, undefined]);
      });

      test("onlyIfTitle changes the chat while its title still matches, and nothing otherwise", async () => {
        await store.chats.createChat({ ...newChat("c1", "u1", 10), title: "New chat" });

        const titled = await store.chats.updateChat("c1", "u1", { title: "Pasta recipes" }, "New chat");
        expect(titled?.updated).toBe(true);
        expect(titled?.chat.title).toBe("Pasta recipes");

        // The user names the chat; a late automatic title for the old one must not replace it.
        await store.chats.updateChat("c1", "u1", { title: "My dinner plans" });
        const late = await store.chats.updateChat(
          "c1",
          "u1",
          { title: "Cooking", model: "other", systemPrompt: "Ignored" },
          "New chat",
        );

        const expected = {
          id: "c1",
          title: "My dinner plans",
          model: "demo",
          createdAt: at(10),
          lastActivityAt: at(10),
          ...unmarkedChat,
        };
        expect(late).toStrictEqual({ chat: expected, updated: false });
        expect(await store.chats.getChat("c1", "u1")).toStrictEqual(expected);
        expect(await store.chats.updateChat("missing", "u1", { title: "Cooking" }, "New chat")).toBeNull();
      });

      test("an update without changes returns the chat as it is", async () => {
        const created = await store.chats.createChat({
          ...newChat("c1", "u1", 10),
          systemPrompt: "Be brief.",
        });

        expect(await store.chats.updateChat("c1", "u1", {})).toStrictEqual({ chat: created, updated: true });
        expect(await store.chats.updateChat("c1", "u1", {}, "Chat c1")).toStrictEqual({
          chat: created,
          updated: true,
        });
        expect(await store.chats.updateChat("c1", "u1", {}, "Another title")).toStrictEqual({
          chat: created,
          updated: false,
        });
        expect(await store.chats.updateChat("c1", "u2", {})).toBeNull();
      });
    });
  });
}
