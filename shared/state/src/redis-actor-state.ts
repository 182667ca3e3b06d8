import { createHash } from "node:crypto";
import { type ChatEvent, formatEventId, type LoggedChatEvent, parseEventId } from "@chat/contracts";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type {
  ActorState,
  ActorStateOptions,
  BucketLimit,
  BucketVerdict,
  OneTimeTickets,
  RateLimiter,
  ReplayLog,
  ReplayRead,
  RevocationList,
  Snapshot,
} from "./actor-state.ts";
import { createLogEpoch } from "./create-log-epoch.ts";
import { checkLease, checkLeaseMs, newLeaseId } from "./leases.ts";
import { isTicketShaped, newTicket } from "./tickets.ts";
import { checkBucketTake, tokenEpsilon } from "./token-bucket.ts";
import { checkTtlSeconds } from "./ttl-seconds.ts";

export type RedisActorStateOptions = ActorStateOptions & {
  /** `redis://` or `rediss://` URL of the Redis server. */
  url: string;
  logger: Logger;
  /** How long `isReady` waits for PING before answering false. */
  readyTimeoutMs?: number;
};

/** A Lua script run by its SHA1, loaded on first use and again after a Redis restart. */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** KEYS: state. ARGV: expected version, state JSON, TTL seconds. Returns the new version or nil. */
const saveSnapshot = new LuaScript(`
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return false end
local version = current + 1
redis.call('HSET', KEYS[1], 'version', version, 'state', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return version
`);

/**
 * KEYS: events, epoch. ARGV: epoch for a new log, max length, TTL seconds, event JSON.
 * Returns { epoch, stream id, 1 when the log was (re)created }. A stream without its epoch, or an
 * epoch without its stream, is a log partly lost (eviction): it starts over under a new epoch.
 * Each entry also records the id before it, so a read can tell whether trimming removed events
 * after a client's id (Redis reports no trimmed-up-to id: max-deleted-entry-id counts XDEL only).
 */
const appendEvent = new LuaScript(`
local epoch = redis.call('GET', KEYS[2])
local created = 0
if not epoch or redis.call('EXISTS', KEYS[1]) == 0 then
  epoch = ARGV[1]
  created = 1
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], epoch)
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local previous = last and last[1] or '0-0'
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[4], 'previous', previous)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return { epoch, id, created }
`);

/**
 * KEYS: events, epoch. ARGV: stream id to read after ('' = the whole log), its epoch.
 * Returns { 'ok', epoch, entries } or { 'expired' }. An id can be resumed when nothing after it
 * was trimmed (it is at or after the oldest kept entry, or right before it) and it is not newer
 * than the last entry.
 */
const readEvents = new LuaScript(`
local epoch = redis.call('GET', KEYS[2])
local exists = epoch and redis.call('EXISTS', KEYS[1]) == 1
if ARGV[1] == '' then
  if not exists then return { 'ok', '', {} } end
  return { 'ok', epoch, redis.call('XRANGE', KEYS[1], '-', '+') }
end
if not exists or ARGV[2] ~= epoch then return { 'expired' } end

local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function older(a, b)
  local a_ms, a_seq = parse(a)
  local b_ms, b_seq = parse(b)
  return a_ms < b_ms or (a_ms == b_ms and a_seq < b_seq)
end

local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if not last or older(last[1], ARGV[1]) then return { 'expired' } end
if older(ARGV[1], first[1]) then
  local previous
  for i = 1, #first[2], 2 do
    if first[2][i] == 'previous' then previous = first[2][i + 1] end
  end
  if previous ~= ARGV[1] then return { 'expired' } end
end
return { 'ok', epoch, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+') }
`);

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

type StreamEntry = [id: string, fields: string[]];
type ReadReply = ["expired"] | ["ok", string, StreamEntry[]];

/**
 * The Redis ActorState. Per chat: a hash `…:state` (version + state JSON) saved by compare-and-set,
 * a stream `…:events` (the replay log, `MAXLEN ~`) and a string `…:epoch`, all under
 * `<keyPrefix>:chat:{<chatId>}:` so one chat's keys share a cluster slot, and all with the TTL.
 * Rate limits: a hash `<keyPrefix>:bucket:<key>` per token bucket and a sorted set
 * `<keyPrefix>:leases:<key>` per lease key, each changed by one script and expiring when it no
 * longer matters; tickets are strings `<keyPrefix>:ticket:<ticket>` with their TTL, revocations
 * `<keyPrefix>:revoked:<id>` likewise.
 *
 * @example
 * const state = new RedisActorState({ url: "redis://127.0.0.1:6379", keyPrefix: "chat", ttlSeconds: 86_400, replayLogMaxLength: 1_000, logger });
 * const logged = await state.replayLog.append(chatId, { type: "message_chunk", data });
 */
export class RedisActorState implements ActorState {
  readonly replayLog: ReplayLog;
  readonly rateLimiter: RateLimiter;
  readonly tickets: OneTimeTickets;
  readonly revocations: RevocationList;
  private readonly client: Redis;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly maxLength: number;
  private readonly readyTimeoutMs: number;
  private readonly logger: Logger;

  constructor(options: RedisActorStateOptions) {
    if (!options.keyPrefix) throw new Error("keyPrefix must not be empty");
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1) {
      throw new Error(`ttlSeconds must be a positive integer, got ${options.ttlSeconds}`);
    }
    if (!Number.isInteger(options.replayLogMaxLength) || options.replayLogMaxLength < 1) {
      throw new Error(`replayLogMaxLength must be a positive integer, got ${options.replayLogMaxLength}`);
    }
    this.keyPrefix = options.keyPrefix;
    this.ttlSeconds = options.ttlSeconds;
    this.maxLength = options.replayLogMaxLength;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 1_000;
    this.logger = options.logger;
    this.client = new Redis(options.url, { connectionName: "chat-actor-state" });
    this.client.on("error", (error: Error) => this.logger.warn({ err: error }, "redis connection error"));
    this.client.on("ready", () => this.logger.debug("redis ready"));
    this.replayLog = {
      append: (chatId, event) => this.append(chatId, event),
      readAfter: (chatId, afterEventId) => this.readAfter(chatId, afterEventId),
      delete: async (chatId) => {
        await this.client.unlink(this.key(chatId, "events"), this.key(chatId, "epoch"));
      },
    };
    this.rateLimiter = {
      take: (key, limit, cost = 1) => this.take(key, limit, cost),
      acquireLease: async (key, limit, leaseMs) => {
        checkLease(limit, leaseMs);
        const leaseId = newLeaseId();
        const taken = await acquireLease.run(this.client, [this.leasesKey(key)], [limit, leaseMs, leaseId]);
        return taken === 1 ? leaseId : null;
      },
      renewLease: async (key, leaseId, leaseMs) => {
        checkLeaseMs(leaseMs);
        return (await renewLease.run(this.client, [this.leasesKey(key)], [leaseId, leaseMs])) === 1;
      },
      releaseLease: async (key, leaseId) => {
        await this.client.zrem(this.leasesKey(key), leaseId);
      },
    };
    this.tickets = {
      issue: async (payload, ttlSeconds) => {
        checkTtlSeconds(ttlSeconds);
        // NX: a ticket is never overwritten, even in the (astronomically unlikely) event of a repeat.
        for (;;) {
          const ticket = newTicket();
          if (await this.client.set(this.ticketKey(ticket), payload, "EX", ttlSeconds, "NX")) return ticket;
        }
      },
      redeem: async (ticket) => {
        if (!isTicketShaped(ticket)) return null;
        return this.client.getdel(this.ticketKey(ticket));
      },
    };
    this.revocations = {
      revoke: async (id, ttlSeconds) => {
        checkTtlSeconds(ttlSeconds);
        await this.client.set(this.revokedKey(id), "1", "EX", ttlSeconds);
      },
      isRevoked: async (id) => (await this.client.exists(this.revokedKey(id))) === 1,
    };
  }

  async load<S>(chatId: string): Promise<Snapshot<S> | null> {
    const [version, json] = await this.client.hmget(this.key(chatId, "state"), "version", "state");
    if (typeof version !== "string" || typeof json !== "string") return null;
    return { state: JSON.parse(json) as S, version: Number(version) };
  }

  async save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null> {
    const version = await saveSnapshot.run(
      this.client,
      [this.key(chatId, "state")],
      [expectedVersion, JSON.stringify(state), this.ttlSeconds],
    );
    return version === null ? null : Number(version);
  }

  /** Drops the chat's snapshot; its replay log stays until `replayLog.delete` or its TTL. */
  async delete(chatId: string): Promise<void> {
    await this.client.unlink(this.key(chatId, "state"));
  }

  async isReady(): Promise<boolean> {
    if (["reconnecting", "close", "end"].includes(this.client.status)) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.readyTimeoutMs);
    });
    const pong = this.client.ping().then(
      (reply) => reply === "PONG",
      () => false,
    );
    try {
      return await Promise.race([pong, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.client.status === "end") return;
    // QUIT waits in the offline queue while Redis is unreachable; then there is nothing to flush.
    if (this.client.status !== "ready") {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** Deletes every key under this instance's prefix, for tests and for tearing a deployment down. */
  async removeKeys(): Promise<void> {
    const pattern = `${this.keyPrefix.replace(/[*?[\]\\]/g, "\\$&")}:*`;
    let cursor = "0";
    do {
      const [next, keys] = await this.client.scan(cursor, "MATCH", pattern, "COUNT", 500);
      if (keys.length > 0) await this.client.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }

  private async append(chatId: string, event: ChatEvent): Promise<LoggedChatEvent> {
    const reply = (await appendEvent.run(
      this.client,
      [this.key(chatId, "events"), this.key(chatId, "epoch")],
      [createLogEpoch(), this.maxLength, this.ttlSeconds, JSON.stringify(event)],
    )) as [epoch: string, streamId: string, created: number];
    const [epoch, streamId, created] = reply;
    if (created === 1) this.logger.debug({ chatId, epoch }, "replay log created");
    return { ...event, eventId: formatEventId(epoch, streamId) };
  }

  private async readAfter(chatId: string, afterEventId: string | null): Promise<ReplayRead> {
    let after = { streamId: "", epoch: "" };
    if (afterEventId !== null) {
      const parsed = parseEventId(afterEventId);
      if (!parsed) return { status: "expired" };
      after = { streamId: afterEventId.slice(parsed.epoch.length + 1), epoch: parsed.epoch };
    }
    const reply = (await readEvents.run(
      this.client,
      [this.key(chatId, "events"), this.key(chatId, "epoch")],
      [after.streamId, after.epoch],
    )) as ReadReply;
    if (reply[0] === "expired") return { status: "expired" };
    const [, epoch, entries] = reply;
    return {
      status: "ok",
      events: entries.map(([streamId, fields]) => ({
        ...(JSON.parse(fieldValue(fields, "event")) as ChatEvent),
        eventId: formatEventId(epoch, streamId),
      })),
    };
  }

  private async take(key: string, limit: BucketLimit, cost: number): Promise<BucketVerdict> {
    checkBucketTake(limit, cost);
    const [allowed, remaining, retryAfterMs] = (await takeTokens.run(
      this.client,
      [`${this.keyPrefix}:bucket:${key}`],
      [limit.capacity, limit.perSeconds * 1_000, cost],
    )) as [number, number, number];
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  private leasesKey(key: string): string {
    return `${this.keyPrefix}:leases:${key}`;
  }

  private ticketKey(ticket: string): string {
    return `${this.keyPrefix}:ticket:${ticket}`;
  }

  private revokedKey(id: string): string {
    return `${this.keyPrefix}:revoked:${id}`;
  }

  private key(chatId: string, part: "state" | "events" | "epoch"): string {
    return `${this.keyPrefix}:chat:{${chatId}}:${part}`;
  }
}

function fieldValue(fields: string[], name: string): string {
  const index = fields.indexOf(name);
  const value = index % 2 === 0 ? fields[index + 1] : undefined;
  if (value === undefined) throw new Error(`replay log entry has no "${name}" field`);
  return value;
}
