import type { Redis } from "ioredis";
import type { BucketLimit, BucketVerdict, RateLimiter } from "../actor-state.ts";
import { checkLease, checkLeaseMs, newLeaseId } from "../leases.ts";
import { checkBucketTake, tokenEpsilon } from "../token-bucket.ts";
import { LuaScript } from "./lua-script.ts";
import type { RedisKeySpace } from "./redis-key-space.ts";

/** The server's clock in milliseconds, so every gateway's takes are measured by one clock. */
const serverMilliseconds = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/**
 * KEYS: bucket. ARGV: capacity, period ms, cost. Returns { 1 allowed / 0 refused, remaining,
 * retry-after ms }. The hash holds the tokens (fractional while refilling) and when they were
 * counted; a refused take writes nothing. The key expires when the bucket would be full again,
 * which is the same as a bucket never seen. Mirrors `takeFromBucket`.
 */
const takeTokens = new LuaScript(`${serverMilliseconds}
local now = now_ms()
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updatedAt')
local tokens = tonumber(stored[1]) or capacity
local updated = tonumber(stored[2]) or now
local elapsed = math.max(0, now - updated)
tokens = math.min(capacity, tokens + elapsed * capacity / period)
if tokens + ${tokenEpsilon} < cost then
  return { 0, math.floor(tokens + ${tokenEpsilon}), math.ceil((cost - tokens) * period / capacity) }
end
tokens = math.max(0, tokens - cost)
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updatedAt', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * period / capacity) + 1)
return { 1, math.floor(tokens + ${tokenEpsilon}), 0 }
`);

/** Lua: the key lives exactly as long as its longest lease. */
const expireWithLastLease = `
local function expire_with_last_lease(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', key, math.ceil(tonumber(last[2]))) end
end
`;

/**
 * KEYS: leases. ARGV: limit, lease ms, new lease id. Returns 1 when the lease was taken. The sorted
 * set scores each lease id by when it expires; expired ones are pruned first.
 */
const acquireLease = new LuaScript(`${serverMilliseconds}${expireWithLastLease}
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
expire_with_last_lease(KEYS[1])
return 1
`);

/** KEYS: leases. ARGV: lease id, lease ms. Returns 1 when the lease was live and now runs on. */
const renewLease = new LuaScript(`${serverMilliseconds}${expireWithLastLease}
local now = now_ms()
local expires = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if not expires then return 0 end
if expires <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
expire_with_last_lease(KEYS[1])
return 1
`);

/**
 * Rate limits in Redis: a hash per token bucket and a sorted set per lease key, each changed by
 * one script and expiring when it no longer matters, measured by the server's clock.
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeySpace,
  ) {}

  async take(key: string, limit: BucketLimit, cost = 1): Promise<BucketVerdict> {
    checkBucketTake(limit, cost);
    const [allowed, remaining, retryAfterMs] = (await takeTokens.run(
      this.client,
      [this.keys.bucket(key)],
      [limit.capacity, limit.perSeconds * 1_000, cost],
    )) as [number, number, number];
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async acquireLease(key: string, limit: number, leaseMs: number): Promise<string | null> {
    checkLease(limit, leaseMs);
    const leaseId = newLeaseId();
    const taken = await acquireLease.run(this.client, [this.keys.leases(key)], [limit, leaseMs, leaseId]);
    return taken === 1 ? leaseId : null;
  }

  async renewLease(key: string, leaseId: string, leaseMs: number): Promise<boolean> {
    checkLeaseMs(leaseMs);
    return (await renewLease.run(this.client, [this.keys.leases(key)], [leaseId, leaseMs])) === 1;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    await this.client.zrem(this.keys.leases(key), leaseId);
  }
}
