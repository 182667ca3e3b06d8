import { describe, expect, test } from "bun:test";
import type { StoredAttachment } from "@chat/contracts";
import { at, type MakeStore, storePerTest } from "./store-fixtures.ts";

function attachment(id: string, userId: string, size: number): StoredAttachment {
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
  });
}
