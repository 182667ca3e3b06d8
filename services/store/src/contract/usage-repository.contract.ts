import { describe, expect, test } from "bun:test";
import { UsageReport } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import {
  at,
  type MakeStore,
  newChat,
  noUsage,
  storePerTest,
  usageRecord,
  userMessage,
} from "./store-fixtures.ts";

/** The UsageRepository part of the store contract, run against the adapter that `make` opens. */
export function usageRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (UsageRepository contract)`, () => {
    const store = storePerTest(make);

    describe("usage", () => {
      test("a report of a period without usage is empty", async () => {
        expect(await store.usage.usageReport("u1", at(0), at(100))).toStrictEqual({
          from: at(0),
          to: at(100),
          total: noUsage,
          chats: [],
          models: [],
          days: [],
        });
      });

      test("recording the same record id twice keeps the first", async () => {
        expect(await store.usage.recordUsage(usageRecord("r1"))).toBe(true);
        expect(
          await store.usage.recordUsage(
            usageRecord("r1", { inputTokens: 999, costUsd: 5, createdAt: at(11) }),
          ),
        ).toBe(false);

        const report = await store.usage.usageReport("u1", at(0), at(100));
        expect(report.total).toStrictEqual({
          inputTokens: 100,
          outputTokens: 50,
          costUsd: 0.1,
          generations: 1,
        });
      });

      test("a period includes records at its start and excludes those at its end", async () => {
        await store.usage.recordUsage(usageRecord("before", { createdAt: at(9) }));
        await store.usage.recordUsage(usageRecord("at-start", { createdAt: at(10), inputTokens: 1 }));
        await store.usage.recordUsage(usageRecord("inside", { createdAt: at(15), inputTokens: 2 }));
        await store.usage.recordUsage(usageRecord("at-end", { createdAt: at(20) }));
        await store.usage.recordUsage(usageRecord("after", { createdAt: at(21) }));

        // The same instants written with an offset.
        const report = await store.usage.usageReport(
          "u1",
          "2025-01-01T02:00:10+02:00",
          "2025-01-01T00:00:20Z",
        );

        expect(report.from).toBe(at(10));
        expect(report.to).toBe(at(20));
        expect(report.total).toStrictEqual({
          inputTokens: 3,
          outputTokens: 100,
          costUsd: 0.2,
          generations: 2,
        });
        expect((await store.usage.usageReport("u1", at(0), at(100))).total.generations).toBe(5);
        expect(await store.usage.usageReport("u1", at(15), at(15))).toStrictEqual({
          from: at(15),
          to: at(15),
          total: noUsage,
          chats: [],
          models: [],
          days: [],
        });
      });

      test("sums per UTC day and model, oldest day first, the most expensive model first within a day", async () => {
        const day = (date: string, time: string) => `${date}T${time}Z`;
        await store.usage.recordUsage(
          usageRecord("d1", { createdAt: day("2025-01-01", "23:59:59.000"), costUsd: 0.1 }),
        );
        await store.usage.recordUsage(
          usageRecord("d2", { createdAt: day("2025-01-02", "00:00:00.000"), costUsd: 0.2 }),
        );
        await store.usage.recordUsage(
          usageRecord("d3", {
            createdAt: day("2025-01-02", "12:00:00.000"),
            costUsd: 0.3,
            model: "gpt-4o",
            provider: "openai",
          }),
        );
        await store.usage.recordUsage(
          usageRecord("d4", { createdAt: day("2025-01-02", "13:00:00.000"), costUsd: 0.05 }),
        );

        const report = await store.usage.usageReport(
          "u1",
          "2025-01-01T00:00:00.000Z",
          "2025-01-03T00:00:00.000Z",
        );
        expect(report.days.map((row) => [row.day, row.model, row.costUsd, row.generations])).toEqual([
          ["2025-01-01", "claude-sonnet-4", 0.1, 1],
          ["2025-01-02", "gpt-4o", 0.3, 1],
          ["2025-01-02", "claude-sonnet-4", 0.25, 2],
        ]);
        expect(Value.Check(UsageReport, report)).toBe(true);
      });

      test("sums per chat and per model, most expensive first, API usage under a null chat", async () => {
        await store.usage.recordUsage(usageRecord("r1", { chatId: "c1", costUsd: 0.1 }));
        await store.usage.recordUsage(
          usageRecord("r2", {
            chatId: "c1",
            model: "gpt-5",
            provider: "openai",
            inputTokens: 10,
            outputTokens: 5,
            costUsd: 0.2,
          }),
        );
        await store.usage.recordUsage(
          usageRecord("r3", {
            chatId: "c2",
            purpose: "title",
            inputTokens: 1,
            outputTokens: 2,
            costUsd: 0.4,
          }),
        );
        await store.usage.recordUsage(
          usageRecord("r4", {
            chatId: null,
            messageId: null,
            purpose: "api",
            model: "gpt-5",
            provider: "openai",
            inputTokens: 7,
            outputTokens: 3,
            costUsd: 0.3,
            timeToFirstTokenMs: null,
          }),
        );
        await store.usage.recordUsage(
          usageRecord("r5", {
            chatId: "c3",
            provider: "openrouter",
            inputTokens: 20,
            outputTokens: 0,
            costUsd: 0.3,
          }),
        );

        const report = await store.usage.usageReport("u1", at(0), at(100));

        expect(Value.Check(UsageReport, report)).toBe(true);
        expect(report.total).toStrictEqual({
          inputTokens: 138,
          outputTokens: 60,
          costUsd: 1.3,
          generations: 5,
        });
        // c1 costs 0.1 + 0.2, which is 0.30000000000000004 in floating point: rounded, it ties with
        // the API and c3, and the tie is ordered by chat id, the API (null) first.
        expect(report.chats).toStrictEqual([
          { chatId: "c2", inputTokens: 1, outputTokens: 2, costUsd: 0.4, generations: 1 },
          { chatId: null, inputTokens: 7, outputTokens: 3, costUsd: 0.3, generations: 1 },
          { chatId: "c1", inputTokens: 110, outputTokens: 55, costUsd: 0.3, generations: 2 },
          { chatId: "c3", inputTokens: 20, outputTokens: 0, costUsd: 0.3, generations: 1 },
        ]);
        expect(report.models).toStrictEqual([
          {
            model: "claude-sonnet-4",
            provider: "anthropic",
            inputTokens: 101,
            outputTokens: 52,
            costUsd: 0.5,
            generations: 2,
          },
          {
            model: "gpt-5",
            provider: "openai",
            inputTokens: 17,
            outputTokens: 8,
            costUsd: 0.5,
            generations: 2,
          },
          {
            model: "claude-sonnet-4",
            provider: "openrouter",
            inputTokens: 20,
            outputTokens: 0,
            costUsd: 0.3,
            generations: 1,
          },
        ]);
      });

      test("a user's report never counts another user's records", async () => {
        await store.usage.recordUsage(usageRecord("mine", { costUsd: 0.25 }));
        await store.usage.recordUsage(usageRecord("theirs", { userId: "u2", costUsd: 4, inputTokens: 7 }));

        const mine = await store.usage.usageReport("u1", at(0), at(100));
        const theirs = await store.usage.usageReport("u2", at(0), at(100));

        expect(mine.total).toStrictEqual({
          inputTokens: 100,
          outputTokens: 50,
          costUsd: 0.25,
          generations: 1,
        });
        expect(mine.chats).toStrictEqual([{ chatId: "c1", ...mine.total }]);
        expect(theirs.total).toStrictEqual({ inputTokens: 7, outputTokens: 50, costUsd: 4, generations: 1 });
        expect(await store.usage.usageReport("nobody", at(0), at(100))).toStrictEqual({
          from: at(0),
          to: at(100),
          total: noUsage,
          chats: [],
          models: [],
          days: [],
        });
      });

      test("the usage of a deleted chat still counts", async () => {
        await store.chats.createChat(newChat("c1", "u1", 0));
        await store.chats.appendMessage("u1", userMessage("m1", "c1", 5));
        await store.usage.recordUsage(usageRecord("r1", { chatId: "c1", messageId: "m1" }));

        expect(await store.chats.deleteChat("c1", "u1")).toBe(true);

        const report = await store.usage.usageReport("u1", at(0), at(100));
        expect(report.chats).toStrictEqual([
          { chatId: "c1", inputTokens: 100, outputTokens: 50, costUsd: 0.1, generations: 1 },
        ]);
        expect(await store.usage.recordUsage(usageRecord("r1"))).toBe(false);
      });
    });
  });
}
