import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus, StoreClient } from "@chat/bus";
import {
  ChatActivity,
  type ChatEvent,
  type ChatEventMessage,
  chatActivityKey,
  chatEventKey,
  newEnvelope,
  type UsageRecord,
  type UsageRecorded,
  usageEventKey,
} from "@chat/contracts";
import type { RunningService } from "@chat/runtime";
import pino from "pino";
import { FieldCipher } from "./encryption/field-cipher.ts";
import { countValuesByKey } from "./encryption/key-usage.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import { startStore } from "./store-service.ts";

const logger = pino({ level: "silent" });
const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function usageRecorded(eventId: string, record: UsageRecord): UsageRecorded {
  return {
    ...newEnvelope("usage_recorded", record.chatId ?? "", { id: eventId, traceparent, now: new Date() }),
    userId: record.userId,
    record,
  };
}

const record: UsageRecord = {
  id: "generation-1",
  userId: "u1",
  chatId: "c1",
  messageId: "m1",
  purpose: "answer",
  model: "demo",
  provider: "demo",
  inputTokens: 12,
  outputTokens: 34,
  costUsd: 0,
  timeToFirstTokenMs: 5,
  durationMs: 20,
  createdAt: "2025-01-01T00:00:10.000Z",
};

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

describe("startStore: the usage ledger", () => {
  let bus: InProcessBus;
  let repository: SqliteStore;
  let service: RunningService;
  let recorded: boolean[];

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 3, logger });
    repository = new SqliteStore({ path: ":memory:" });
    recorded = [];
    const recordUsage = repository.usage.recordUsage.bind(repository.usage);
    repository.usage.recordUsage = async (usage) => {
      const created = await recordUsage(usage);
      recorded.push(created);
      return created;
    };
    service = await startStore({ bus, repository, logger });
  });

  afterEach(async () => {
    await bus.close();
    await repository.close();
  });

  test("writes each usage record once, however often it is delivered", async () => {
    await bus.publishEvent(usageEventKey("u1"), usageRecorded("event-1", record), { durable: true });
    await bus.publishEvent(usageEventKey("u1"), usageRecorded("event-2", record), { durable: true });
    await waitFor(() => recorded.length === 2, "both usage events");

    expect(recorded).toEqual([true, false]);
    const report = await repository.usage.usageReport("u1", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z");
    expect(report.total).toStrictEqual({ inputTokens: 12, outputTokens: 34, costUsd: 0, generations: 1 });
    await service.stop();
  });

  test("stops consuming usage when stopped", async () => {
    await service.stop();

    await bus.publishEvent(usageEventKey("u1"), usageRecorded("event-1", record), { durable: true });
    await Bun.sleep(50);

    expect(recorded).toEqual([]);
  });
});

describe("startStore: answers written and removed from chat events", () => {
  let bus: InProcessBus;
  let repository: SqliteStore;
  let service: RunningService;

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 3, logger });
    repository = new SqliteStore({ path: ":memory:" });
    await repository.chats.createChat({
      id: "c1",
      userId: "u1",
      title: "T",
      model: "demo",
      createdAt: "2025-01-01T00:00:00.000Z",
    });
    service = await startStore({ bus, repository, logger });
  });

  afterEach(async () => {
    await service.stop();
    await bus.close();
    await repository.close();
  });

  function chatEvent(event: ChatEvent, eventId: string): ChatEventMessage {
    return {
      ...newEnvelope(event.type, "c1", { id: eventId, traceparent, now: new Date() }),
      userId: "u1",
      eventId: `epoch:${eventId}`,
      data: event.data,
    } as ChatEventMessage;
  }

  function complete(messageId: string): ChatEventMessage {
    return chatEvent(
      {
        type: "message_complete",
        data: {
          chatId: "c1",
          messageId,
          fullContent: `answer ${messageId}`,
          codeBlocks: [],
          usage: { inputTokens: 1, outputTokens: 2 },
          finishReason: "stop",
          model: "demo",
          createdAt: "2025-01-01T00:00:01.000Z",
        },
      },
      `complete-${messageId}`,
    );
  }

  async function storedIds(): Promise<string[]> {
    return (await repository.chats.listMessages("c1", "u1", { limit: 10 })).items.map(
      (message) => message.id,
    );
  }

  test("message_complete writes the answer; message_deleted removes it", async () => {
    await bus.publishEvent(chatEventKey("c1", "message_complete"), complete("a1"), { durable: true });
    await waitFor(async () => (await storedIds()).includes("a1"), "the answer written");
    const deleted = chatEvent({ type: "message_deleted", data: { chatId: "c1", messageId: "a1" } }, "d1");
    await bus.publishEvent(chatEventKey("c1", "message_deleted"), deleted, { durable: true });
    await waitFor(async () => (await storedIds()).length === 0, "the answer removed");
  });

  test("a deletion handled before the answer's write keeps it out for good", async () => {
    const deleted = chatEvent({ type: "message_deleted", data: { chatId: "c1", messageId: "a1" } }, "d1");
    await bus.publishEvent(chatEventKey("c1", "message_deleted"), deleted, { durable: true });
    await bus.publishEvent(chatEventKey("c1", "message_complete"), complete("a1"), { durable: true });
    await bus.publishEvent(chatEventKey("c1", "message_complete"), complete("a2"), { durable: true });
    await waitFor(async () => (await storedIds()).includes("a2"), "the later answer written");
    expect(await storedIds()).toEqual(["a2"]);
  });
});

describe("startStore: the console's chat activity", () => {
  let bus: InProcessBus;
  let repository: SqliteStore;
  let service: RunningService;

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 3, logger });
    repository = new SqliteStore({ path: ":memory:" });
    service = await startStore({ bus, repository, logger, sessionIdleMinutes: 1 });
  });

  afterEach(async () => {
    await service.stop();
    await bus.close();
    await repository.close();
  });

  test("each write that changes a conversation publishes chat_activity; reads and repeated writes do not", async () => {
    const activity: ChatActivity[] = [];
    const stream = await bus.openEventStream<ChatActivity>(ChatActivity, (event) => activity.push(event));
    await stream.bind(chatActivityKey("*"));
    const store = new StoreClient(bus, { timeoutMs: 2_000, newId: () => crypto.randomUUID() });
    const chat = { id: "c1", title: "T", model: "demo", createdAt: "2025-01-01T00:00:00.000Z" };
    const message = {
      id: "m1",
      chatId: "c1",
      role: "user" as const,
      content: "hi",
      createdAt: "2025-01-01T00:02:00.000Z",
    };

    await store.call("store.create_chat", { userId: "u1", chat }, traceparent);
    await store.call("store.append_message", { userId: "u1", message }, traceparent);
    await store.call("store.append_message", { userId: "u1", message }, traceparent);
    await store.call("store.get_chat", { chatId: "c1", userId: "u1", messageLimit: 0 }, traceparent);
    await store.call("store.mark_chat", { chatId: "c1", userId: "u1", needsHelp: true }, traceparent);
    await store.call("store.delete_chat", { chatId: "c1", userId: "u1" }, traceparent);
    await waitFor(() => activity.length >= 4, "four activities");
    await Bun.sleep(20);

    expect(activity.map((event) => [event.chatId, event.userId, event.change])).toEqual([
      ["c1", "u1", "changed"],
      ["c1", "u1", "changed"],
      ["c1", "u1", "changed"],
      ["c1", "u1", "deleted"],
    ]);
    await stream.close();
  });

  test("a message after SESSION_IDLE_MINUTES starts the chat's next session; help requests opened and closed are the chat's help history", async () => {
    const store = new StoreClient(bus, { timeoutMs: 2_000, newId: () => crypto.randomUUID() });
    const chat = { id: "c1", title: "T", model: "demo", createdAt: "2025-01-01T00:00:00.000Z" };
    await store.call("store.create_chat", { userId: "u1", chat }, traceparent);
    const message = (id: string, createdAt: string) => ({
      id,
      chatId: "c1",
      role: "user" as const,
      content: id,
      createdAt,
    });
    await store.call(
      "store.append_message",
      { userId: "u1", message: message("m1", "2025-01-01T00:00:30.000Z") },
      traceparent,
    );
    await store.call(
      "store.append_message",
      { userId: "u1", message: message("m2", "2025-01-01T00:05:00.000Z") },
      traceparent,
    );

    const detail = await store.call(
      "store.get_console_chat",
      { chatId: "c1", now: "2025-01-01T00:05:00.000Z", messageLimit: 10 },
      traceparent,
    );
    expect(detail?.chat).toMatchObject({ sessions: 2, sessionStartedAt: "2025-01-01T00:05:00.000Z" });
    expect(detail?.sessions.map((session) => session.durationMs)).toEqual([0, 30_000]);
    expect(detail?.messages.map((stored) => stored.id)).toEqual(["m1", "m2"]);
    expect(detail?.helpRequests).toEqual([]);

    await store.call("store.mark_chat", { chatId: "c1", userId: "u1", needsHelp: true }, traceparent);
    await store.call("store.mark_chat", { chatId: "c1", userId: "u1", needsHelp: true }, traceparent);
    await store.call(
      "store.mark_chat",
      { chatId: "c1", userId: "u1", needsHelp: false, assisted: true },
      traceparent,
    );
    const marked = await store.call(
      "store.get_console_chat",
      { chatId: "c1", now: "2025-01-01T00:05:00.000Z", messageLimit: 1 },
      traceparent,
    );
    expect(marked?.helpRequests.map((event) => event.kind)).toEqual(["closed", "requested"]);
  });
});

describe("startStore: encryption at rest", () => {
  test("moves every value to the current key in the background, and stops with the store", async () => {
    const directory = mkdtempSync(join(tmpdir(), "store-service-"));
    const path = join(directory, "chat.sqlite");
    const k1 = { id: "k1", bytes: randomBytes(32) };
    const k2 = { id: "k2", bytes: randomBytes(32) };
    const old = new SqliteStore({ path, cipher: new FieldCipher([k1]) });
    for (let index = 0; index < 30; index += 1)
      await old.chats.createChat({
        id: `c${index}`,
        userId: "u1",
        title: `Chat ${index}`,
        model: "demo",
        createdAt: "2025-01-01T00:00:00.000Z",
      });
    await old.close();
    const repository = new SqliteStore({ path, cipher: new FieldCipher([k2, k1]) });
    const bus = new InProcessBus({ partitions: 2, deliveryLimit: 3, logger });
    const service = await startStore({ bus, repository, logger });
    try {
      await waitFor(async () => {
        const usage = await countValuesByKey(repository.encryption);
        return usage.k2 === 30 && usage.k1 === undefined;
      }, "every title on k2");
      expect((await repository.chats.getChat("c7", "u1"))?.title).toBe("Chat 7");
    } finally {
      await service.stop();
      await repository.close();
      await bus.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
