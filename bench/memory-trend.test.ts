import { describe, expect, test } from "bun:test";
import { memoryTrend } from "./memory-trend.ts";

const minute = 60_000;

describe("memoryTrend", () => {
  test("RSS that only wobbles around one level is flat", () => {
    const points = Array.from({ length: 60 }, (_, index) => ({
      atMs: index * 30_000,
      rssKib: 100 * 1024 + (index % 2 === 0 ? 3_000 : -3_000),
    }));
    const trend = memoryTrend(points);
    expect(trend?.flat).toBe(true);
    expect(Math.abs(trend?.slopeMibPer10Minutes ?? 1)).toBeLessThan(0.5);
  });

  test("RSS growing 1 MiB a minute is not flat, and the slope says so per 10 minutes", () => {
    const points = Array.from({ length: 31 }, (_, index) => ({
      atMs: index * minute,
      rssKib: (80 + index) * 1024,
    }));
    const trend = memoryTrend(points);
    expect(trend?.slopeMibPer10Minutes).toBe(10);
    expect(trend?.flat).toBe(false);
    expect(trend).toMatchObject({ startMib: 80, endMib: 110, minMib: 80, maxMib: 110 });
  });

  test("a large process is allowed 2 % of its median per 10 minutes", () => {
    const points = Array.from({ length: 31 }, (_, index) => ({
      atMs: index * minute,
      rssKib: 1_000 * 1024 + index * 0.15 * 1024,
    }));
    const trend = memoryTrend(points);
    expect(trend?.allowedMibPer10Minutes).toBeCloseTo(20.05, 1);
    expect(trend?.flat).toBe(true);
  });

  test("fewer than three readable samples give no trend", () => {
    expect(
      memoryTrend([
        { atMs: 0, rssKib: 1 },
        { atMs: 1, rssKib: Number.NaN },
      ]),
    ).toBeNull();
  });
});
