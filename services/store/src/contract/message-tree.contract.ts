import { beforeEach, describe, expect, test } from "bun:test";
import type { Message } from "@chat/contracts";
import { type MakeStore, newChat, storePerTest, userMessage } from "./store-fixtures.ts";

/** The ChatRepository: message trees (versions, branches, the active path) part of the store contract. */
export function messageTreeContract(name: string, make: MakeStore): void {
  describe(`${name} (ChatRepository: message tree contract)`, () => {
    const store = storePerTest(make);
    let version = 0;

    /** A message of chat c1 after `parentId`, `seconds` after the start, ending the active path. */
    async function append(
      id: string,
      parentId: string | null,
      seconds: number,
      role: Message["role"] = "user",
    ) {
      version += 1;
      const message = { ...userMessage(id, "c1", seconds), role, parentId };
      expect(await store.chats.appendMessage("u1", message, { activeLeafVersion: version })).toBe(true);
    }

    async function activePath(): Promise<string[]> {
      const { messages } = await store.chats.recentMessages("c1", "u1", 100);
      return messages.map((message) => message.id);
    }

    async function switchTo(messageId: string): Promise<string | null> {
      const leaf = await store.chats.findBranchLeaf("c1", "u1", messageId);
      version += 1;
      if (leaf) expect(await store.chats.setActiveLeaf("c1", "u1", leaf, version)).toBe(true);
      return leaf;
    }

    beforeEach(async () => {
      version = 0;
      await store.chats.createChat(newChat("c1", "u1", 0));
      // q1 → a1 → q2 → a2
      await append("q1", null, 10);
      await append("a1", "q1", 11, "assistant");
      await append("q2", "a1", 12);
      await append("a2", "q2", 13, "assistant");
    });

    test("messages with parents form the active path, which ends at the leaf", async () => {
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2"]);
      expect(await store.chats.activeLeaf("c1", "u1")).toStrictEqual({ id: "a2", version: 4 });
      const { messages } = await store.chats.recentMessages("c1", "u1", 2);
      expect(messages.map((message) => [message.id, message.parentId, message.siblingIds])).toEqual([
        ["q2", "a1", undefined],
        ["a2", "q2", undefined],
      ]);
    });

    test("an export holds every branch, oldest first with parents, and the active leaf; another user's is null", async () => {
      await switchTo("q2");
      version += 1;
      expect(await store.chats.setActiveLeaf("c1", "u1", "a1", version)).toBe(true);
      await append("q2b", "a1", 20);

      const exported = await store.chats.exportChat("c1", "u1");
      expect(exported?.activeLeafId).toBe("q2b");
      expect(exported?.chat).toMatchObject({ id: "c1", messageCount: 5 });
      expect(exported?.messages.map((message) => [message.id, message.parentId])).toEqual([
        ["q1", null],
        ["a1", "q1"],
        ["q2", "a1"],
        ["a2", "q2"],
        ["q2b", "a1"],
      ]);
      expect(exported?.messages[2]?.content).toBe("Content of q2");
      expect(await store.chats.exportChat("c1", "u2")).toBeNull();
    });

    test("regenerate: a second answer to a question is a version of the first, which stays", async () => {
      version += 1;
      expect(await store.chats.setActiveLeaf("c1", "u1", "q2", version)).toBe(true);
      expect(await activePath()).toEqual(["q1", "a1", "q2"]);
      await append("a2b", "q2", 20, "assistant");

      const { messages } = await store.chats.recentMessages("c1", "u1", 100);
      expect(messages.map((message) => message.id)).toEqual(["q1", "a1", "q2", "a2b"]);
      expect(messages.at(-1)?.siblingIds).toEqual(["a2", "a2b"]);
      expect(await store.chats.getMessage("c1", "u1", "a2")).toMatchObject({
        parentId: "q2",
        content: "Content of a2",
      });
    });

    test("switch: back to an earlier version and forth again", async () => {
      await append("a2b", "q2", 20, "assistant");
      expect(await switchTo("a2")).toBe("a2");
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2"]);
      expect(await switchTo("a2b")).toBe("a2b");
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2b"]);
    });

    test("edit: a new version of a middle question branches from its parent; the old branch stays reachable", async () => {
      await append("q2b", "a1", 20);
      await append("a2c", "q2b", 21, "assistant");
      const { messages } = await store.chats.recentMessages("c1", "u1", 100);
      expect(messages.map((message) => message.id)).toEqual(["q1", "a1", "q2b", "a2c"]);
      expect(messages[2]?.siblingIds).toEqual(["q2", "q2b"]);

      // The old question's branch, down to its end.
      expect(await switchTo("q2")).toBe("a2");
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2"]);
      // From a message with versions below it, the newest one is followed.
      expect(await switchTo("a1")).toBe("a2c");
      expect(await activePath()).toEqual(["q1", "a1", "q2b", "a2c"]);
    });

    test("editing the first question makes a second first question", async () => {
      await append("q1b", null, 20);
      const { messages } = await store.chats.recentMessages("c1", "u1", 100);
      expect(messages.map((message) => [message.id, message.siblingIds])).toEqual([["q1b", ["q1", "q1b"]]]);
      expect(await switchTo("q1")).toBe("a2");
    });

    test("a leaf change of an older version than the chat's changes nothing", async () => {
      // The regenerate race: the old answer's write arrives after the question became the leaf again.
      expect(await store.chats.setActiveLeaf("c1", "u1", "q2", 6)).toBe(true);
      const late = { ...userMessage("a2late", "c1", 14), role: "assistant" as const, parentId: "q2" };
      expect(await store.chats.appendMessage("u1", late, { activeLeafVersion: 5 })).toBe(true);
      expect(await activePath()).toEqual(["q1", "a1", "q2"]);
      expect(await store.chats.setActiveLeaf("c1", "u1", "a2", 6)).toBe(false);
      expect(await store.chats.setActiveLeaf("c1", "u1", "a2", 7)).toBe(true);
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2"]);
    });

    test("a path to any message is read for a model's context, whatever the active path", async () => {
      await append("q2b", "a1", 20);
      const context = await store.chats.recentMessages("c1", "u1", 100, "q2");
      expect(context.messages.map((message) => message.id)).toEqual(["q1", "a1", "q2"]);
      const newest = await store.chats.recentMessages("c1", "u1", 2, "a2");
      expect(newest.messages.map((message) => message.id)).toEqual(["q2", "a2"]);
      expect(newest.hasOlder).toBe(true);
      expect(await store.chats.recentMessages("c1", "u1", 100, "unknown")).toStrictEqual({
        messages: [],
        hasOlder: false,
      });
    });

    test("listing pages the active path only; a cursor from another branch goes on by time", async () => {
      await append("q2b", "a1", 20);
      await append("a2b", "q2b", 21, "assistant");
      const first = await store.chats.listMessages("c1", "u1", { limit: 3 });
      expect(first.items.map((message) => message.id)).toEqual(["q1", "a1", "q2b"]);
      const second = await store.chats.listMessages("c1", "u1", { limit: 3, cursor: first.nextCursor ?? "" });
      expect(second).toMatchObject({ items: [{ id: "a2b" }], nextCursor: null });
      await switchTo("q2");
      const after = await store.chats.listMessages("c1", "u1", { limit: 3, cursor: first.nextCursor ?? "" });
      expect(after.items.map((message) => message.id)).toEqual([]);
      const all = await store.chats.listMessages("c1", "u1", { limit: 10 });
      expect(all.items.map((message) => message.id)).toEqual(["q1", "a1", "q2", "a2"]);
    });

    test("deleting a message deletes every version after it; the active path ends at its parent", async () => {
      await append("q2b", "a1", 20);
      await append("a2b", "q2b", 21, "assistant");
      expect(await store.chats.deleteMessage("u1", "c1", "q2b")).toBe(true);
      expect(await activePath()).toEqual(["q1", "a1"]);
      expect(await store.chats.getMessage("c1", "u1", "a2b")).toBeNull();
      // Tombstones: a late write of a deleted answer writes nothing.
      expect(
        await store.chats.appendMessage("u1", { ...userMessage("a2b", "c1", 22), parentId: "q2b" }),
      ).toBe(false);
      expect(await switchTo("a1")).toBe("a2");
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2"]);
      expect((await store.chats.getChat("c1", "u1"))?.messageCount).toBe(4);
    });

    test("a message appended without a parent follows the one before it in time, extending the path it ends", async () => {
      await store.chats.appendMessage("u1", userMessage("q3", "c1", 30));
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2", "q3"]);
      expect((await store.chats.recentMessages("c1", "u1", 1)).messages[0]?.parentId).toBeUndefined();
      expect(await store.chats.getMessage("c1", "u1", "q3")).toMatchObject({ parentId: "a2" });
      // Off the active path it moves nothing.
      await switchTo("a1");
      version += 1;
      await store.chats.setActiveLeaf("c1", "u1", "a1", version);
      await store.chats.appendMessage("u1", userMessage("q4", "c1", 40));
      expect(await activePath()).toEqual(["q1", "a1"]);
      expect(await switchTo("q4")).toBe("q4");
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2", "q3", "q4"]);
    });

    test("search finds the text of the active path only", async () => {
      const text = (id: string, content: string, parentId: string, seconds: number) => ({
        ...userMessage(id, "c1", seconds),
        content,
        parentId,
      });
      version += 1;
      await store.chats.appendMessage("u1", text("q2b", "Bake a cake", "a1", 20), {
        activeLeafVersion: version,
      });
      version += 1;
      await store.chats.appendMessage("u1", text("q3b", "Bake bread", "q2b", 21), {
        activeLeafVersion: version,
      });
      expect((await store.chats.searchChats("u1", "bake", { limit: 10 })).items).toMatchObject([
        { chat: { id: "c1" }, match: { in: "message", messageId: "q3b" } },
      ]);
      // The old branch's text is not found; after a switch to it, it is, and the new one is not.
      expect((await store.chats.searchChats("u1", "content of q2", { limit: 10 })).items).toEqual([]);
      await switchTo("q2");
      expect((await store.chats.searchChats("u1", "content of q2", { limit: 10 })).items).toMatchObject([
        { match: { in: "message", messageId: "q2" } },
      ]);
      expect((await store.chats.searchChats("u1", "bake", { limit: 10 })).items).toEqual([]);
      // Text on both branches: the newest message of the active path that has it.
      expect((await store.chats.searchChats("u1", "content of", { limit: 10 })).items).toMatchObject([
        { match: { in: "message", messageId: "a2" } },
      ]);
    });

    test("another user's chat: no message, no branch, no leaf change", async () => {
      expect(await store.chats.getMessage("c1", "intruder", "q1")).toBeNull();
      expect(await store.chats.findBranchLeaf("c1", "intruder", "q1")).toBeNull();
      expect(await store.chats.setActiveLeaf("c1", "intruder", "q2", 99)).toBe(false);
      expect(await store.chats.activeLeaf("c1", "intruder")).toBeNull();
      expect(await store.chats.findBranchLeaf("c1", "u1", "missing")).toBeNull();
      expect(await store.chats.setActiveLeaf("c1", "u1", "missing", 99)).toBe(false);
      expect(await activePath()).toEqual(["q1", "a1", "q2", "a2"]);
    });
  });
}
