import { describe, expect, test } from "bun:test";
import { roundCost, toUsageReport } from "./usage-report.ts";

const period = { from: "2025-01-01T00:00:00.000Z", to: "2025-02-01T00:00:00.000Z" };

function sums(costUsd: number, generations = 1) {
  return { inputTokens: 10 * generations, outputTokens: 5 * generations, costUsd, generations };
}

describe("toUsageReport", () => {
  test("totals every chat group and keeps the period", () => {
    const report = toUsageReport(period, {
      chats: [
        { chatId: "c1", ...sums(0.1, 2) },
        { chatId: null, ...sums(0.2, 3) },
      ],
      models: [{ model: "gpt-5", provider: "openai", ...sums(0.3, 5) }],
      days: [],
    });

    expect(report.from).toBe(period.from);
    expect(report.to).toBe(period.to);
    expect(report.total).toStrictEqual({ inputTokens: 50, outputTokens: 25, costUsd: 0.3, generations: 5 });
  });

  test("orders chats by cost, then by id with the API (null) first, and rounds before comparing", () => {
    const report = toUsageReport(period, {
      chats: [
        { chatId: "b", ...sums(0.1 + 0.2) },
        { chatId: "a", ...sums(0.3) },
        { chatId: "cheap", ...sums(0.01) },
        { chatId: null, ...sums(0.3) },
        { chatId: "dear", ...sums(2) },
      ],
      models: [],
      days: [],
    });

    expect(report.chats.map((chat) => [chat.chatId, chat.costUsd])).toEqual([
      ["dear", 2],
      [null, 0.3],
      ["a", 0.3],
      ["b", 0.3],
      ["cheap", 0.01],
    ]);
  });

  test("orders models by cost, then model, then provider", () => {
    const report = toUsageReport(period, {
      chats: [],
      models: [
        { model: "m", provider: "z", ...sums(1) },
        { model: "m", provider: "a", ...sums(1) },
        { model: "a", provider: "z", ...sums(1) },
        { model: "top", provider: "x", ...sums(3) },
      ],
      days: [],
    });

    expect(report.models.map((model) => `${model.model}/${model.provider}`)).toEqual([
      "top/x",
      "a/z",
      "m/a",
      "m/z",
    ]);
    expect(report.total).toStrictEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0, generations: 0 });
  });

  test("compares ids by code unit, not by locale", () => {
    const report = toUsageReport(period, {
      chats: [
        { chatId: "a", ...sums(1) },
        { chatId: "B", ...sums(1) },
      ],
      models: [],
      days: [],
    });

    expect(report.chats.map((chat) => chat.chatId)).toEqual(["B", "a"]);
  });
});

describe("roundCost", () => {
  test("rounds to a millionth of a dollar", () => {
    expect(roundCost(0.1 + 0.2)).toBe(0.3);
    expect(roundCost(0.0000014)).toBe(0.000001);
    expect(roundCost(0.0000016)).toBe(0.000002);
    expect(roundCost(12.3456789)).toBe(12.345679);
    expect(roundCost(0)).toBe(0);
  });

  test("orders days oldest first, then by cost, and rounds their costs", () => {
    const report = toUsageReport(period, {
      chats: [],
      models: [],
      days: [
        { day: "2025-01-02", model: "a", provider: "p", ...sums(0.1 + 0.2) },
        { day: "2025-01-01", model: "b", provider: "p", ...sums(1) },
        { day: "2025-01-02", model: "c", provider: "p", ...sums(2) },
      ],
    });

    expect(report.days.map((day) => [day.day, day.model, day.costUsd])).toEqual([
      ["2025-01-01", "b", 1],
      ["2025-01-02", "c", 2],
      ["2025-01-02", "a", 0.3],
    ]);
  });
});
