import type { Redis } from "ioredis";
import type { Snapshot, SnapshotStore } from "../actor-state.ts";
import { LuaScript } from "./lua-script.ts";
import type { RedisKeySpace } from "./redis-key-space.ts";

/** KEYS: state. ARGV: expected version, state JSON, TTL seconds. Returns the new version or nil. */
const saveSnapshot = new LuaScript(`
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return false end
local version = current + 1
redis.call('HSET', KEYS[1], 'version', version, 'state', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return version
`);

/** Snapshots in Redis: a hash (version + state JSON) per chat, saved by compare-and-set, with the TTL. */
export class RedisSnapshots implements SnapshotStore {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeySpace,
    private readonly ttlSeconds: number,
  ) {}

  async load<S>(chatId: string): Promise<Snapshot<S> | null> {
    const [version, json] = await this.client.hmget(this.keys.chat(chatId, "state"), "version", "state");
    if (typeof version !== "string" || typeof json !== "string") return null;
    return { state: JSON.parse(json) as S, version: Number(version) };
  }

  async save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null> {
    const version = await saveSnapshot.run(
      this.client,
      [this.keys.chat(chatId, "state")],
      [expectedVersion, JSON.stringify(state), this.ttlSeconds],
    );
    return version === null ? null : Number(version);
  }

  async delete(chatId: string): Promise<void> {
    await this.client.unlink(this.keys.chat(chatId, "state"));
  }
}
