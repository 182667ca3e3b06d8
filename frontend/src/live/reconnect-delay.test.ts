import { describe, expect, test } from "bun:test";
import { reconnectDelay, reconnectMaximumMs } from "./reconnect-delay.ts";

describe("reconnectDelay", () => {
  test("doubles with each attempt, between half and all of the ceiling", () => {
    expect([0, 1, 2, 3].map((attempt) => reconnectDelay(attempt, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((attempt) => reconnectDelay(attempt, () => 1))).toEqual([500, 1000, 2000, 4000]);
  });

  test("stops growing at the maximum", () => {
    expect(reconnectDelay(20, () => 1)).toBe(reconnectMaximumMs);
    expect(reconnectDelay(20, () => 0)).toBe(reconnectMaximumMs / 2);
  });

  test("jitter spreads clients that dropped together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeWithin(4000, 8001);
  });
});
