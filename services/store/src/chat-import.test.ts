import { afterEach, beforeEach, expect, test } from "bun:test";
import type { Message } from "@chat/contracts";
import { importChat } from "./chat-import.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

let store: SqliteStore;
beforeEach(() => {
  store = new SqliteStore({ path: ":memory:" });
});
afterEach(async () => {
  await store.close();
});

const at = (seconds: number) => new Date(Date.UTC(2024, 0, 1) + seconds * 1000).toISOString();
const message = (id: string, parentId: string | null, role: Message["role"], seconds: number): Message => ({
  id,
  chatId: "imported",
  role,
  content: `text of ${id}`,
  createdAt: at(seconds),
  parentId,
});
const chat = { id: "imported", title: "From elsewhere", model: "demo", createdAt: at(0) };
// q1 → a1, and a second version a1b of the answer, which is the active one.
const messages = [
  message("q1", null, "user", 1),
  message("a1", "q1", "assistant", 2),
  message("a1b", "q1", "assistant", 3),
];

test("an imported chat keeps its tree and active leaf; importing it again writes nothing", async () => {
  expect(await importChat(store, { userId: "u1", chat, messages, activeLeafId: "a1" })).toEqual({
    created: true,
  });

  const exported = await store.chats.exportChat("imported", "u1");
  expect(exported?.messages.map((stored) => [stored.id, stored.parentId])).toEqual([
    ["q1", null],
    ["a1", "q1"],
    ["a1b", "q1"],
  ]);
  expect(exported?.activeLeafId).toBe("a1");
  expect(
    (await store.chats.recentMessages("imported", "u1", 10)).messages.map((stored) => stored.id),
  ).toEqual(["q1", "a1"]);

  expect(await importChat(store, { userId: "u1", chat, messages, activeLeafId: "a1" })).toEqual({
    created: false,
  });
  expect((await store.chats.exportChat("imported", "u1"))?.messages).toHaveLength(3);
  expect((await store.chats.listChats("u1", { limit: 10 })).items).toHaveLength(1);
});

test("an import cut off half way is completed by the next, without duplicates", async () => {
  await store.chats.createChat({ ...chat, userId: "u1" });
  await store.chats.appendMessage("u1", messages[0] as Message, { activeLeafVersion: 1 });

  expect(await importChat(store, { userId: "u1", chat, messages, activeLeafId: "a1b" })).toEqual({
    created: false,
  });
  const exported = await store.chats.exportChat("imported", "u1");
  expect(exported?.messages.map((stored) => stored.id)).toEqual(["q1", "a1", "a1b"]);
  expect(exported?.activeLeafId).toBe("a1b");
});
