import { type ChatEvent, formatEventId, type LoggedChatEvent, parseEventId } from "@chat/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ReplayLog, ReplayLogTail, ReplayLogTailOptions, ReplayRead } from "../actor-state.ts";
import { createLogEpoch } from "../create-log-epoch.ts";
import { LuaScript } from "./lua-script.ts";
import type { RedisKeySpace } from "./redis-key-space.ts";
import { RedisReplayLogTail } from "./redis-replay-log-tail.ts";

/**
 * KEYS: events, epoch, live channel. ARGV: epoch for a new log, max length, TTL seconds, event JSON,
 * window in milliseconds (0 = none: entries older than it are trimmed, by Redis's clock).
 * Returns { epoch, stream id, 1 when the log was (re)created }. A stream without its epoch, or an
 * epoch without its stream, is a log partly lost (eviction): it starts over under a new epoch.
 * Each entry also records the id before it, so a read can tell whether trimming removed events
 * after a client's id (Redis reports no trimmed-up-to id: max-deleted-entry-id counts XDEL only).
 * The same call publishes `<event id>\n<previous event id or ''>\n<event JSON>` to the chat's
 * channel, so an event costs one round trip to be both kept and delivered.
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
local window = tonumber(ARGV[5])
if window > 0 then
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - window
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d', oldest))
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
local previous_event_id = last and (epoch .. ':' .. previous) or ''
redis.call('PUBLISH', KEYS[3], epoch .. ':' .. id .. '\\n' .. previous_event_id .. '\\n' .. ARGV[4])
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
 * The replay log in Redis: a stream per chat (`MAXLEN ~`) and its epoch, both with the TTL.
 *
 * @example
 * const logged = await replayLog.append(chatId, { type: "message_chunk", data });
 */
export class RedisReplayLog implements ReplayLog {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeySpace,
    private readonly options: { ttlSeconds: number; maxLength: number; windowMs: number; logger: Logger },
  ) {}

  async append(chatId: string, event: ChatEvent): Promise<LoggedChatEvent> {
    const reply = (await appendEvent.run(
      this.client,
      [this.keys.chat(chatId, "events"), this.keys.chat(chatId, "epoch"), this.keys.chatChannel(chatId)],
      [
        createLogEpoch(),
        this.options.maxLength,
        this.options.ttlSeconds,
        JSON.stringify(event),
        this.options.windowMs,
      ],
    )) as [epoch: string, streamId: string, created: number];
    const [epoch, streamId, created] = reply;
    if (created === 1) this.options.logger.debug({ chatId, epoch }, "replay log created");
    return { ...event, eventId: formatEventId(epoch, streamId) };
  }

  async openTail(options: ReplayLogTailOptions): Promise<ReplayLogTail> {
    return RedisReplayLogTail.open(this.client, this.keys, options, this.options.logger);
  }

  async readAfter(chatId: string, afterEventId: string | null): Promise<ReplayRead> {
    let after = { streamId: "", epoch: "" };
    if (afterEventId !== null) {
      const parsed = parseEventId(afterEventId);
      if (!parsed) return { status: "expired" };
      after = { streamId: afterEventId.slice(parsed.epoch.length + 1), epoch: parsed.epoch };
    }
    const reply = (await readEvents.run(
      this.client,
      [this.keys.chat(chatId, "events"), this.keys.chat(chatId, "epoch")],
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

  async delete(chatId: string): Promise<void> {
    await this.client.unlink(this.keys.chat(chatId, "events"), this.keys.chat(chatId, "epoch"));
  }
}

function fieldValue(fields: string[], name: string): string {
  const index = fields.indexOf(name);
  const value = index % 2 === 0 ? fields[index + 1] : undefined;
  if (value === undefined) throw new Error(`replay log entry has no "${name}" field`);
  return value;
}
