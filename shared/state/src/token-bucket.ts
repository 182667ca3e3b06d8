import type { BucketLimit, BucketVerdict } from "./actor-state.ts";

/** A bucket as stored: its tokens (fractional while refilling) and the time they were counted. */
export type BucketState = { tokens: number; updatedAt: number };

/**
 * Tokens are counted as floats: this much short of a whole token still counts as having it, so a
 * wait of exactly `retryAfterMs` is always enough despite rounding.
 */
export const tokenEpsilon = 1e-9;

/** Refuses limits and costs no bucket can answer sensibly (a cost over the capacity never fits). */
export function checkBucketTake(limit: BucketLimit, cost: number): void {
  if (!Number.isInteger(limit.capacity) || limit.capacity < 1) {
    throw new RangeError(`capacity must be a positive integer, got ${limit.capacity}`);
  }
  if (!Number.isFinite(limit.perSeconds) || limit.perSeconds <= 0) {
    throw new RangeError(`perSeconds must be a positive number, got ${limit.perSeconds}`);
  }
  if (!Number.isInteger(cost) || cost < 1 || cost > limit.capacity) {
    throw new RangeError(`cost must be an integer from 1 to the capacity ${limit.capacity}, got ${cost}`);
  }
}

/**
 * One take from a token bucket at `now` (ms): the verdict, and the state to keep — unchanged when
 * refused. A bucket never seen (`undefined`) is full. The same arithmetic as the Redis adapter's
 * script, so both answer alike.
 */
export function takeFromBucket(
  state: BucketState | undefined,
  limit: BucketLimit,
  cost: number,
  now: number,
): { verdict: BucketVerdict; state: BucketState | undefined } {
  const periodMs = limit.perSeconds * 1_000;
  const counted = state ?? { tokens: limit.capacity, updatedAt: now };
  // A clock that steps back refills nothing, rather than draining the bucket.
  const elapsed = Math.max(0, now - counted.updatedAt);
  const tokens = Math.min(limit.capacity, counted.tokens + (elapsed * limit.capacity) / periodMs);
  if (tokens + tokenEpsilon < cost) {
    return {
      verdict: {
        allowed: false,
        remaining: Math.floor(tokens + tokenEpsilon),
        retryAfterMs: Math.ceil(((cost - tokens) * periodMs) / limit.capacity),
      },
      state,
    };
  }
  const left = Math.max(0, tokens - cost);
  return {
    verdict: { allowed: true, remaining: Math.floor(left + tokenEpsilon), retryAfterMs: 0 },
    state: { tokens: left, updatedAt: now },
  };
}

/** Whether a bucket last counted at `state` is full again by `now`, so forgetting it changes nothing. */
export function isBucketFull(state: BucketState, limit: BucketLimit, now: number): boolean {
  return takeFromBucket(state, limit, limit.capacity, now).verdict.allowed;
}

/**
 * A token bucket kept in this process, for limits of something that lives in one process (one
 * WebSocket's frames); limits shared by every instance go through `RateLimiter` instead.
 *
 * @example
 * const frames = new TokenBucket({ capacity: 600, perSeconds: 60 });
 * if (!frames.take().allowed) refuse();
 */
export class TokenBucket {
  private state: BucketState | undefined;

  constructor(
    private readonly limit: BucketLimit,
    private readonly now: () => number = Date.now,
  ) {
    checkBucketTake(limit, 1);
  }

  take(cost = 1): BucketVerdict {
    checkBucketTake(this.limit, cost);
    const { verdict, state } = takeFromBucket(this.state, this.limit, cost, this.now());
    this.state = state;
    return verdict;
  }
}
