import { describe, expect, test } from "bun:test";
import type { StoredShare } from "@chat/contracts";
import { at, type MakeStore, storePerTest } from "./store-fixtures.ts";

/** A snapshot of chat `chatId` of `userId` taken `seconds` after the start, with two messages. */
function share(id: string, userId: string, chatId: string, seconds: number): StoredShare {
  return {
    id: id.padEnd(22, "x"),
    userId,
    chatId,
    title: `Chat ${chatId}`,
    model: "demo",
    createdAt: at(seconds),
    truncated: false,
    messages: [
      { role: "user", content: "What is $x^2$?", createdAt: at(1) },
      {
        role: "assistant",
        content: "```js\nx * x\n```",
        createdAt: at(2),
        codeBlocks: [{ language: "js", code: "x * x", startIndex: 0, endIndex: 15 }],
      },
    ],
  };
}

/** The ShareRepository part of the store contract, run against the adapter that `make` opens. */
export function shareRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (ShareRepository contract)`, () => {
    const store = storePerTest(make);

    test("a snapshot is found by its id as it was stored; a second write of the id keeps the first", async () => {
      const first = share("s1", "u1", "c1", 10);
      await store.shares.createShare(first);
      await store.shares.createShare({ ...first, title: "Changed" });

      expect(await store.shares.findShare(first.id)).toStrictEqual(first);
      expect(await store.shares.findShare("unknown".padEnd(22, "x"))).toBeNull();
    });

    test("the owner lists their links newest first, a page at a time, without the messages", async () => {
      for (const [id, seconds] of [
        ["a", 10],
        ["b", 30],
        ["c", 20],
      ] as const) {
        await store.shares.createShare(share(id, "u1", "c1", seconds));
      }
      await store.shares.createShare(share("d", "u2", "c2", 40));

      const first = await store.shares.listShares("u1", { limit: 2 });
      expect(first.items).toEqual([
        { id: "b".padEnd(22, "x"), chatId: "c1", title: "Chat c1", createdAt: at(30), messageCount: 2 },
        { id: "c".padEnd(22, "x"), chatId: "c1", title: "Chat c1", createdAt: at(20), messageCount: 2 },
      ]);
      expect(first.nextCursor).not.toBeNull();
      const second = await store.shares.listShares("u1", { limit: 2, cursor: first.nextCursor as string });
      expect(second.items.map((item) => item.id)).toEqual(["a".padEnd(22, "x")]);
      expect(second.nextCursor).toBeNull();
    });

    test("only the owner revokes a link; revoked, it is not found", async () => {
      const kept = share("s1", "u1", "c1", 10);
      await store.shares.createShare(kept);

      expect(await store.shares.deleteShare("u2", kept.id)).toBe(false);
      expect(await store.shares.findShare(kept.id)).not.toBeNull();
      expect(await store.shares.deleteShare("u1", kept.id)).toBe(true);
      expect(await store.shares.deleteShare("u1", kept.id)).toBe(false);
      expect(await store.shares.findShare(kept.id)).toBeNull();
    });

    test("links go with their chat and with their owner's account, nobody else's", async () => {
      await store.shares.createShare(share("a", "u1", "c1", 10));
      await store.shares.createShare(share("b", "u1", "c1", 11));
      await store.shares.createShare(share("c", "u1", "c2", 12));
      await store.shares.createShare(share("d", "u2", "c3", 13));

      expect(await store.shares.deleteChatShares("c1")).toBe(2);
      expect((await store.shares.listShares("u1", { limit: 10 })).items.map((item) => item.chatId)).toEqual([
        "c2",
      ]);
      expect(await store.shares.eraseUserShares("u1")).toBe(1);
      expect((await store.shares.listShares("u1", { limit: 10 })).items).toEqual([]);
      expect(await store.shares.findShare("d".padEnd(22, "x"))).not.toBeNull();
    });
  });
}
