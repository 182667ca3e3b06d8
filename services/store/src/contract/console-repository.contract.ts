import { describe, expect, test } from "bun:test";
import { ConsoleChat, ConsoleTotals } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import type { ConsoleQuery } from "../console-repository.ts";
import {
  at,
  expectAppError,
  type MakeStore,
  newChat,
  storedUser,
  storePerTest,
  usageRecord,
  userMessage,
} from "./store-fixtures.ts";

const idleMs = 15 * 60_000;

/** A query of every chat in `sort` order, as of `nowSeconds` after the start of the test data. */
function query(
  sort: ConsoleQuery["sort"],
  nowSeconds: number,
  filter: ConsoleQuery["filter"] = {},
): ConsoleQuery {
  return { filter, sort, now: at(nowSeconds), sessionIdleMs: idleMs };
}

/** The support console's reads: sessions, the paged list with filters and orders, metrics, totals. */
export function consoleRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (ConsoleRepository contract)`, () => {
    const store = storePerTest(make);

    /** Creates the chat at `createdAtSeconds` and records its creation, as the store's handler does. */
    async function createChat(id: string, userId: string, createdAtSeconds: number) {
      await store.chats.createChat(newChat(id, userId, createdAtSeconds));
      await store.console.recordActivity(id, at(createdAtSeconds), idleMs);
    }

    /** Appends a user message at `seconds` and records it, as the store's handler does. */
    async function message(id: string, chatId: string, userId: string, seconds: number) {
      await store.chats.appendMessage(userId, userMessage(id, chatId, seconds));
      await store.console.recordActivity(chatId, at(seconds), idleMs);
    }

    test("a session grows with activity; after SESSION_IDLE_MINUTES a message starts the next, the ended one keeps its duration", async () => {
      await store.users.createUser(storedUser("u1", "ada@example.com"));
      await createChat("c1", "u1", 0);
      await message("m1", "c1", "u1", 60);
      await message("m2", "c1", "u1", 300);

      let chat = await store.console.getChat("c1", at(310), idleMs);
      expect(chat).toMatchObject({
        sessionStartedAt: at(0),
        sessionDurationMs: 300_000,
        sessions: 1,
        activity: "active",
        userEmail: "ada@example.com",
        messageCount: 2,
      });
      expect(Value.Check(ConsoleChat, chat)).toBe(true);
      expect((await store.console.getChat("c1", at(300 + 5 * 60), idleMs))?.activity).toBe("idle");
      expect((await store.console.getChat("c1", at(300 + 15 * 60), idleMs))?.activity).toBe("ended");

      await message("m3", "c1", "u1", 300 + 16 * 60);
      chat = await store.console.getChat("c1", at(300 + 16 * 60), idleMs);
      expect(chat).toMatchObject({ sessionStartedAt: at(1_260), sessionDurationMs: 0, sessions: 2 });
      const { sessions } = await store.console.chatMetrics("c1");
      expect(sessions).toEqual([
        { startedAt: at(1_260), lastActivityAt: at(1_260), durationMs: 0 },
        { startedAt: at(0), lastActivityAt: at(300), durationMs: 300_000 },
      ]);
    });

    test("activity older than the session's last, repeated, or of an unknown chat changes nothing", async () => {
      await createChat("c1", "u1", 0);
      await message("m1", "c1", "u1", 100);
      await store.console.recordActivity("c1", at(100), idleMs);
      await store.console.recordActivity("c1", at(50), idleMs);
      await store.console.recordActivity("nope", at(50), idleMs);

      expect(await store.console.getChat("c1", at(100), idleMs)).toMatchObject({
        sessionDurationMs: 100_000,
        sessions: 1,
      });
      expect(await store.console.getChat("nope", at(100), idleMs)).toBeNull();
      expect((await store.console.chatMetrics("c1")).sessions).toHaveLength(1);
    });

    test("concurrent activity of one chat leaves one consistent session", async () => {
      await createChat("c1", "u1", 0);
      await Promise.all(
        Array.from({ length: 8 }, (_, index) => store.console.recordActivity("c1", at(10 + index), idleMs)),
      );

      const chat = await store.console.getChat("c1", at(20), idleMs);
      expect(chat?.sessions).toBe(1);
      expect(chat?.sessionDurationMs).toBe(17_000);
    });

    describe("the list", () => {
      /** Chats c1…c5 of u1 and u2 with different starts, activity and session lengths; the list is read at 1 000 s. */
      async function seed() {
        await store.users.createUser(storedUser("u1", "ada@example.com"));
        await store.users.createUser(storedUser("u2", "bob@example.com"));
        await createChat("c1", "u1", 0);
        await message("m1", "c1", "u1", 600);
        await createChat("c2", "u2", 10);
        await message("m2", "c2", "u2", 20);
        await createChat("c3", "u1", 200);
        await message("m3", "c3", "u1", 990);
        await createChat("c4", "u2", 300);
        await store.chats.updateChat("c4", "u2", { model: "other" });
        await createChat("c5", "u1", 400);
        await store.chats.markChat("c5", "u1", { needsHelp: true });
        await store.chats.markChat("c2", "u2", { assisted: true });
      }

      const ids = (page: { items: Array<{ id: string }> }) => page.items.map((chat) => chat.id);

      test("each order, and pages that follow it to the end without gap or repeat", async () => {
        await seed();
        const orders: Array<[ConsoleQuery["sort"], string[]]> = [
          ["last_activity", ["c3", "c1", "c5", "c4", "c2"]],
          ["started", ["c5", "c4", "c3", "c2", "c1"]],
          ["duration", ["c3", "c1", "c2", "c5", "c4"]],
          ["user", ["c3", "c1", "c5", "c4", "c2"]],
        ];
        for (const [sort, expected] of orders) {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.console.listChats(query(sort, 1_000), { cursor, limit: 2 });
            seen.push(...ids(page));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          expect({ sort, seen }).toEqual({ sort, seen: expected });
        }
      });

      test("the user order groups each user's chats, newest activity first within", async () => {
        await seed();
        const page = await store.console.listChats(query("user", 1_000), { limit: 10 });
        expect(page.items.map((chat) => [chat.userId, chat.id])).toEqual([
          ["u1", "c3"],
          ["u1", "c1"],
          ["u1", "c5"],
          ["u2", "c4"],
          ["u2", "c2"],
        ]);
      });

      test("filters by user, model, start, status; every filter given must match", async () => {
        await seed();
        const list = async (filter: ConsoleQuery["filter"]) =>
          ids(await store.console.listChats(query("started", 1_000, filter), { limit: 10 }));

        expect(await list({ userId: "u2" })).toEqual(["c4", "c2"]);
        expect(await list({ model: "other" })).toEqual(["c4"]);
        expect(await list({ from: at(10), to: at(300) })).toEqual(["c3", "c2"]);
        expect(await list({ status: "active" })).toEqual(["c3"]);
        expect(await list({ status: "idle" })).toEqual(["c5", "c4", "c1"]);
        expect(await list({ status: "ended" })).toEqual(["c2"]);
        expect(await list({ status: "needs_help" })).toEqual(["c5"]);
        expect(await list({ status: "assisted" })).toEqual(["c2"]);
        expect(await list({ status: "idle", userId: "u1" })).toEqual(["c5", "c1"]);
        expect(await list({ userId: "nobody" })).toEqual([]);
      });

      test("a cursor of another order, or not one at all, is VALIDATION_FAILED", async () => {
        await seed();
        const page = await store.console.listChats(query("started", 1_000), { limit: 1 });
        const cursor = page.nextCursor ?? "";
        await expectAppError(
          store.console.listChats(query("duration", 1_000), { cursor, limit: 1 }),
          "VALIDATION_FAILED",
        );
        await expectAppError(
          store.console.listChats(query("started", 1_000), { cursor: "bm90IGEgY3Vyc29y", limit: 1 }),
          "VALIDATION_FAILED",
        );
      });
    });

    test("a chat's help requests, opened and closed, newest first; none for an unknown chat; gone with the chat", async () => {
      await createChat("c1", "u1", 0);
      await store.console.recordHelp("c1", { at: at(10), kind: "requested" });
      await store.console.recordHelp("c1", { at: at(40), kind: "closed" });
      await store.console.recordHelp("c1", { at: at(90), kind: "requested" });
      await store.console.recordHelp("c1", { at: at(90), kind: "closed" });
      await store.console.recordHelp("nope", { at: at(90), kind: "requested" });

      expect(await store.console.helpHistory("c1")).toEqual([
        { at: at(90), kind: "closed" },
        { at: at(90), kind: "requested" },
        { at: at(40), kind: "closed" },
        { at: at(10), kind: "requested" },
      ]);
      expect(await store.console.helpHistory("nope")).toEqual([]);
      await store.chats.deleteChat("c1", "u1");
      await createChat("c1", "u1", 100);
      expect(await store.console.helpHistory("c1")).toEqual([]);
    });

    test("a chat's metrics sum its answers' timings, tokens and cost from the usage ledger", async () => {
      await createChat("c1", "u1", 0);
      await store.usage.recordUsage(usageRecord("r1", { timeToFirstTokenMs: 200, durationMs: 1_000 }));
      await store.usage.recordUsage(usageRecord("r2", { timeToFirstTokenMs: 600, durationMs: 3_000 }));
      await store.usage.recordUsage(
        usageRecord("r3", { purpose: "title", timeToFirstTokenMs: 5_000, durationMs: 9_000, costUsd: 0.05 }),
      );
      await store.usage.recordUsage(usageRecord("r4", { chatId: "c2" }));

      const { metrics } = await store.console.chatMetrics("c1");
      expect(metrics).toMatchObject({
        answers: 2,
        timeToFirstTokenMs: { average: 400, worst: 600 },
        durationMs: { average: 2_000, worst: 3_000 },
        inputTokens: 300,
        outputTokens: 150,
      });
      expect(metrics.costUsd).toBeCloseTo(0.25, 6);
      expect((await store.console.chatMetrics("nope")).metrics).toMatchObject({
        answers: 0,
        timeToFirstTokenMs: { average: null, worst: null },
        costUsd: 0,
      });
    });

    test("totals: active users, answers per minute, usage per day and model, provider errors", async () => {
      const now = Date.UTC(2025, 0, 3, 12);
      const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
      await store.chats.createChat({ ...newChat("c1", "u1", 0), createdAt: iso(-60_000) });
      await store.chats.createChat({ ...newChat("c2", "u2", 0), createdAt: iso(-60 * 60_000) });
      await store.chats.createChat({ ...newChat("c3", "u1", 0), createdAt: iso(-120_000) });
      await store.usage.recordUsage(usageRecord("r1", { createdAt: iso(-60_000) }));
      await store.usage.recordUsage(usageRecord("r2", { createdAt: iso(-120_000), model: "gpt-5" }));
      await store.usage.recordUsage(usageRecord("r3", { createdAt: iso(-86_400_000) }));
      await store.usage.recordUsage(usageRecord("r4", { createdAt: iso(-30 * 86_400_000) }));
      await store.chats.appendMessage("u1", {
        id: "e1",
        chatId: "c1",
        role: "assistant",
        content: "",
        createdAt: iso(-30_000),
        finishReason: "error",
      });

      const totals = await store.console.totals(new Date(now).toISOString(), idleMs);
      expect(Value.Check(ConsoleTotals, totals)).toBe(true);
      expect(totals.activeUsers).toBe(1);
      expect(totals.answersPerMinute).toBeCloseTo(2 / 5, 6);
      expect(totals.usageByDay.map((row) => [row.day, row.model, row.answers])).toEqual([
        ["2025-01-03", "claude-sonnet-4", 1],
        ["2025-01-03", "gpt-5", 1],
        ["2025-01-02", "claude-sonnet-4", 1],
      ]);
      expect(totals.providerErrorsByDay).toEqual([{ day: "2025-01-03", errors: 1 }]);
    });
  });
}
