import { createHash } from "node:crypto";
import { type ChatEvent, formatEventId, type LoggedChatEvent, parseEventId } from "@chat/contracts";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ActorState, ActorStateOptions, ReplayLog, ReplayRead, Snapshot } from "./actor-state.ts";
import { createLogEpoch } from "./create-log-epoch.ts";

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

type StreamEntry = [id: string, fields: string[]];
type ReadReply = ["expired"] | ["ok", string, StreamEntry[]];

/**
 * The Redis ActorState. Per chat: a hash `…:state` (version + state JSON) saved by compare-and-set,
 * a stream `…:events` (the replay log, `MAXLEN ~`) and a string `…:epoch`, all under
 * `<keyPrefix>:chat:{<chatId>}:` so one chat's keys share a cluster slot, and all with the TTL.
 *
 * @example
 * const state = new RedisActorState({ url: "redis://127.0.0.1:6379", keyPrefix: "chat", ttlSeconds: 86_400, replayLogMaxLength: 1_000, logger });
 * const logged = await state.replayLog.append(chatId, { type: "message_chunk", data });
 */
export class RedisActorState implements ActorState {
  readonly replayLog: ReplayLog;
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
