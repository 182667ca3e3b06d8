import { describe, expect, test } from "bun:test";
import { retryDelayMs } from "./retry-backoff.ts";

const policy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 10_000 };

describe("retryDelayMs", () => {
  test("doubles per failure up to the cap, with half of each step random", () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });
});
