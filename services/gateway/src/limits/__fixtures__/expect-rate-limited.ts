import { expect } from "bun:test";

/**
 * Expects a 429 with a whole `Retry-After` of at least a second and the RATE_LIMITED body; returns
 * the seconds to wait.
 */
export function expectRateLimited(response: { status: number; headers: Headers; body: unknown }): number {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(response.body).toEqual({ error: { code: "RATE_LIMITED", message: expect.any(String) } });
  return retryAfter;
}
