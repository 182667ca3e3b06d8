import { describe, expect, test } from "bun:test";
import type { StoredAttachment } from "@chat/contracts";
import { at, type MakeStore, newChat, storePerTest, userMessage } from "./store-fixtures.ts";

export function attachment(id: string, userId: string, size: number): StoredAttachment {
  return {
    id,
    userId,
    chatId: null,
    name: `${id}.png`,
    kind: "image",
    mediaType: "image/png",
    size,
    storageKey: `${userId}/${id}`,
    createdAt: at(1),
  };
}

/** The AttachmentRepository part of the store contract, run against the adapter that `make` opens. */
export function attachmentRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (AttachmentRepository contract)`, () => {
    const store = storePerTest(make);

    test("an attachment is found by its owner, and by nobody else", async () => {
      expect(await store.attachments.createAttachment(attachment("a1", "u1", 10), 100)).toEqual({
        created: true,
        usedBytes: 10,
      });
      expect(await store.attachments.findAttachment("u1", "a1")).toEqual(attachment("a1", "u1", 10));
      expect(await store.attachments.findAttachment("u2", "a1")).toBeUndefined();
      expect(await store.attachments.findAttachment("u1", "missing")).toBeUndefined();
    });

    test("the quota counts the owner's attachments only, and a refused one is not written", async () => {
      await store.attachments.createAttachment(attachment("a1", "u1", 60), 100);
      await store.attachments.createAttachment(attachment("b1", "u2", 90), 100);
      expect(await store.attachments.createAttachment(attachment("a2", "u1", 40), 100)).toEqual({
        created: true,
        usedBytes: 100,
      });
      expect(await store.attachments.createAttachment(attachment("a3", "u1", 1), 100)).toEqual({
        created: false,
        usedBytes: 100,
      });
      expect(await store.attachments.findAttachment("u1", "a3")).toBeUndefined();
      expect(await store.attachments.usedBytes("u1")).toBe(100);
      expect(await store.attachments.usedBytes("u2")).toBe(90);
      expect(await store.attachments.usedBytes("u3")).toBe(0);
    });

    test("only the owner deletes an attachment, and gets the deleted row back", async () => {
      await store.attachments.createAttachment(attachment("a1", "u1", 10), 100);
      expect(await store.attachments.deleteAttachment("u2", "a1")).toBeUndefined();
      expect(await store.attachments.deleteAttachment("u1", "a1")).toEqual(attachment("a1", "u1", 10));
      expect(await store.attachments.deleteAttachment("u1", "a1")).toBeUndefined();
      expect(await store.attachments.usedBytes("u1")).toBe(0);
    });

    test("attachments go to one chat only, and go with it", async () => {
      await store.attachments.createAttachment(attachment("a1", "u1", 10), 100);
      await store.attachments.createAttachment(attachment("a2", "u1", 10), 100);
      await store.attachments.createAttachment(attachment("b1", "u2", 10), 100);
      expect(await store.attachments.attachToChat("u1", "c1", ["a1", "a2", "b1", "missing"])).toBe(2);
      // Again in the same chat is fine; another chat does not take them.
      expect(await store.attachments.attachToChat("u1", "c1", ["a1"])).toBe(1);
      expect(await store.attachments.attachToChat("u1", "c2", ["a1"])).toBe(0);
      expect((await store.attachments.findAttachment("u1", "a1"))?.chatId).toBe("c1");
      expect((await store.attachments.findAttachment("u2", "b1"))?.chatId).toBeNull();
      const ofChat = await store.attachments.chatAttachments("c1");
      expect(ofChat.map((row) => row.id).sort()).toEqual(["a1", "a2"]);
      expect(await store.attachments.deleteChatAttachments("c1")).toBe(2);
      expect(await store.attachments.chatAttachments("c1")).toEqual([]);
      expect(await store.attachments.findAttachment("u2", "b1")).toBeDefined();
    });

    test("a message keeps the attachments it lists", async () => {
      await store.chats.createChat(newChat("c1", "u1", 0));
      const listed = [{ id: "a1", name: "a1.png", mediaType: "image/png", size: 10 }];
      expect(
        await store.chats.appendMessage("u1", { ...userMessage("m1", "c1", 1), attachments: listed }),
      ).toBe(true);
      expect(await store.chats.appendMessage("u1", userMessage("m2", "c1", 2))).toBe(true);
      const page = await store.chats.listMessages("c1", "u1", { limit: 10 });
      expect(page.items.map((message) => message.attachments)).toEqual([listed, undefined]);
    });
  });
}
