import { expect, test } from "bun:test";
import { TokenBucket, takeFromBucket } from "./token-bucket.ts";

test("TokenBucket allows its capacity, refuses with the wait for the next token, and refills by its clock", () => {
  let clock = 1_000_000;
  const bucket = new TokenBucket({ capacity: 4, perSeconds: 60 }, () => clock);
  expect([1, 2, 3, 4].map(() => bucket.take().allowed)).toEqual([true, true, true, true]);
  expect(bucket.take()).toEqual({ allowed: false, remaining: 0, retryAfterMs: 15_000 });
  clock += 14_999;
  expect(bucket.take().allowed).toBe(false);
  clock += 1;
  expect(bucket.take()).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
  clock += 10 * 60_000;
  expect(bucket.take(4)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
});

test("a clock that steps back neither refills nor drains a bucket", () => {
  const limit = { capacity: 2, perSeconds: 2 };
  const { state } = takeFromBucket(undefined, limit, 1, 10_000);
  expect(takeFromBucket(state, limit, 1, 5_000).verdict).toEqual({
    allowed: true,
    remaining: 0,
    retryAfterMs: 0,
  });
});

test("TokenBucket refuses limits and costs that cannot work", () => {
  expect(() => new TokenBucket({ capacity: 0, perSeconds: 60 })).toThrow(RangeError);
  expect(() => new TokenBucket({ capacity: 1, perSeconds: Number.NaN })).toThrow(RangeError);
  expect(() => new TokenBucket({ capacity: 2, perSeconds: 60 }).take(3)).toThrow(RangeError);
});
