import { expect, test } from "bun:test";
import { ChatCommandClient, StoreClient } from "@chat/bus";
import type { AnswerDraft } from "@chat/contracts";
import pino from "pino";
import { RecordingBus } from "../../../test/support/recording-bus.ts";
import { AnswerRecovery } from "./answer-recovery.ts";

const draft: AnswerDraft = {
  messageId: "answer-1",
  chatId: "chat-1",
  userId: "user-1",
  content: "half an ans",
  model: "demo",
  createdAt: "2026-11-22T10:00:00.000Z",
  updatedAt: "2026-11-22T10:00:01.000Z",
};

function setUp(
  drafts: () => AnswerDraft[],
  options: { orphanedAtStart?: boolean } = {},
  holds: () => Array<{ chatId: string; userId: string }> = () => [],
) {
  const bus = new RecordingBus({
    services: {
      store: (message) => (message.type === "store.list_expired_holds" ? holds() : drafts()),
    },
  });
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const now = () => new Date("2026-11-22T10:05:00.000Z");
  const recovery = new AnswerRecovery(
    {
      commands: new ChatCommandClient(bus, { timeoutMs: 1_000, newId, now }),
      store: new StoreClient(bus, { timeoutMs: 1_000, newId, now }),
      logger: pino({ level: "silent" }),
    },
    { intervalMs: 60_000, staleAfterMs: 15_000, now, ...options },
  );
  return { bus, recovery };
}

test("a sweep asks the store for the oldest drafts and sends each chat's actor a recover_answer", async () => {
  const other = { ...draft, messageId: "answer-2", chatId: "chat-2", content: "" };
  const { bus, recovery } = setUp(() => [draft, other]);

  expect(await recovery.sweep()).toBe(2);

  expect(bus.recordsOf("request")[0]?.message).toMatchObject({
    type: "store.list_answer_drafts",
    limit: 100,
  });
  expect(bus.recordsOf("command").map((record) => record.message)).toEqual([
    expect.objectContaining({
      type: "recover_answer",
      chatId: "chat-1",
      userId: "user-1",
      assistantMessageId: "answer-1",
      content: "half an ans",
      model: "demo",
      answerCreatedAt: draft.createdAt,
      occurredAt: "2026-11-22T10:05:00.000Z",
    }),
    expect.objectContaining({ chatId: "chat-2", assistantMessageId: "answer-2", content: "" }),
  ]);
});

test("start sweeps at once; a failed sweep throws nowhere, and stop waits for the sweep under way", async () => {
  let calls = 0;
  const { bus, recovery } = setUp(() => {
    calls++;
    if (calls === 1) throw new Error("store down");
    return [draft];
  });

  recovery.start();
  await recovery.stop();

  expect(calls).toBe(1);
  expect(bus.recordsOf("command")).toEqual([]);
  expect(await recovery.sweep()).toBe(1);
});

test("a draft checkpointed within the staleness is left to its writer; at an embedded start every draft is orphaned", async () => {
  const fresh = { ...draft, messageId: "answer-3", updatedAt: "2026-11-22T10:04:50.000Z" };
  const stale = { ...draft, updatedAt: "2026-11-22T10:04:45.000Z" };
  const later = setUp(() => [stale, fresh]);
  expect(await later.recovery.sweep()).toBe(1);
  expect(later.bus.recordsOf("command").map((record) => record.message)).toEqual([
    expect.objectContaining({ assistantMessageId: "answer-1" }),
  ]);

  const embedded = setUp(() => [stale, fresh], { orphanedAtStart: true });
  expect(await embedded.recovery.sweep()).toBe(2);
  expect(await embedded.recovery.sweep()).toBe(1);
});

test("the sweep sends expire_hold to the chats whose recorded hold expired; its failure keeps drafts going", async () => {
  const { bus, recovery } = setUp(
    () => [draft],
    {},
    () => [{ chatId: "chat-9", userId: "user-9" }],
  );

  expect(await recovery.sweep()).toBe(1);

  expect(bus.recordsOf("request").map((record) => record.message)).toContainEqual(
    expect.objectContaining({
      type: "store.list_expired_holds",
      before: "2026-11-22T10:05:00.000Z",
      limit: 100,
    }),
  );
  expect(bus.recordsOf("command").map((record) => record.message.type)).toEqual([
    "expire_hold",
    "recover_answer",
  ]);
  expect(bus.recordsOf("command")[0]?.message).toMatchObject({ chatId: "chat-9", userId: "user-9" });

  const failing = setUp(
    () => [draft],
    {},
    () => {
      throw new Error("store down");
    },
  );
  expect(await failing.recovery.sweep()).toBe(1);
  expect(failing.bus.recordsOf("command").map((record) => record.message.type)).toEqual(["recover_answer"]);
});
