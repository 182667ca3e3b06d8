import { expect, test } from "bun:test";
import { StoreClient } from "@chat/bus";
import { AppError, type StoreRequest } from "@chat/contracts";
import pino from "pino";
import { RecordingBus } from "../../../test/support/recording-bus.ts";
import { ChatRetention } from "./chat-retention.ts";

type StoredChat = { chatId: string; userId: string; lastActivityAt: string };

/** Chats the store keeps, listed as `store.list_inactive_chats` lists them, and the deletes sent. */
function setUp(chats: StoredChat[], options: { retentionDays: number; goneBeforeDelete?: string[] }) {
  const stored = [...chats];
  const bus = new RecordingBus({
    services: {
      store: (message) => {
        const request = message as Extract<StoreRequest, { type: "store.list_inactive_chats" }>;
        return stored
          .filter((chat) => chat.lastActivityAt < request.before)
          .sort((a, b) => a.lastActivityAt.localeCompare(b.lastActivityAt))
          .slice(0, request.limit)
          .map(({ chatId, userId }) => ({ chatId, userId }));
      },
    },
  });
  const deletes: string[] = [];
  const commands = {
    async delete(fields: { chatId: string; userId: string }) {
      const index = stored.findIndex((chat) => chat.chatId === fields.chatId);
      if (index >= 0) stored.splice(index, 1);
      if (options.goneBeforeDelete?.includes(fields.chatId) || index < 0) {
        throw new AppError("CHAT_NOT_FOUND", "Chat not found");
      }
      deletes.push(fields.chatId);
      return { deleted: true as const };
    },
  };
  const now = () => new Date("2026-12-01T00:00:00.000Z");
  const retention = new ChatRetention(
    {
      commands,
      store: new StoreClient(bus, { timeoutMs: 1_000, newId: () => crypto.randomUUID(), now }),
      logger: pino({ level: "silent" }),
    },
    { retentionDays: options.retentionDays, intervalMs: 60_000, now },
  );
  return { bus, retention, deletes, stored };
}

const daysAgo = (days: number) =>
  new Date(Date.parse("2026-12-01T00:00:00.000Z") - days * 86_400_000).toISOString();

test("a sweep deletes, through the chats' actors, exactly the chats idle past the retention", async () => {
  const { bus, retention, deletes, stored } = setUp(
    [
      { chatId: "fresh", userId: "u1", lastActivityAt: daysAgo(29) },
      { chatId: "old", userId: "u1", lastActivityAt: daysAgo(31) },
      { chatId: "older", userId: "u2", lastActivityAt: daysAgo(400) },
    ],
    { retentionDays: 30 },
  );

  expect(await retention.sweep()).toBe(2);

  expect(deletes).toEqual(["older", "old"]);
  expect(stored.map((chat) => chat.chatId)).toEqual(["fresh"]);
  expect(bus.recordsOf("request")[0]?.message).toMatchObject({
    type: "store.list_inactive_chats",
    before: daysAgo(30),
    limit: 100,
  });
});

test("a chat another instance deleted first is skipped; the sweep goes on", async () => {
  const { retention, deletes } = setUp(
    [
      { chatId: "a", userId: "u1", lastActivityAt: daysAgo(10) },
      { chatId: "b", userId: "u1", lastActivityAt: daysAgo(9) },
    ],
    { retentionDays: 1, goneBeforeDelete: ["a"] },
  );

  expect(await retention.sweep()).toBe(1);
  expect(deletes).toEqual(["b"]);
});

test("a sweep deletes a thousand chats at most; the next sweep takes the rest", async () => {
  const chats = Array.from({ length: 1_050 }, (_, index) => ({
    chatId: `c${String(index).padStart(4, "0")}`,
    userId: "u1",
    lastActivityAt: daysAgo(100 + index / 10_000),
  }));
  const { retention, stored } = setUp(chats, { retentionDays: 7 });

  expect(await retention.sweep()).toBe(1_000);
  expect(stored).toHaveLength(50);
  expect(await retention.sweep()).toBe(50);
  expect(stored).toHaveLength(0);
});

test("with CHAT_RETENTION_DAYS=0 nothing is ever swept", async () => {
  const { bus, retention, deletes } = setUp([{ chatId: "a", userId: "u1", lastActivityAt: daysAgo(9_000) }], {
    retentionDays: 0,
  });
  retention.start();
  await retention.stop();
  expect(bus.records).toEqual([]);
  expect(deletes).toEqual([]);
});
