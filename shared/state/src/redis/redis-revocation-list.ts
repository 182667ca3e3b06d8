import type { Redis } from "ioredis";
import type { RevocationList } from "../actor-state.ts";
import { checkTtlSeconds } from "../ttl-seconds.ts";
import type { RedisKeySpace } from "./redis-key-space.ts";

/** Revocations in Redis: a string per revoked id, expiring `ttlSeconds` after its latest `revoke`. */
export class RedisRevocationList implements RevocationList {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeySpace,
  ) {}

  async revoke(id: string, ttlSeconds: number): Promise<void> {
    checkTtlSeconds(ttlSeconds);
    await this.client.set(this.keys.revoked(id), "1", "EX", ttlSeconds);
  }

  async isRevoked(id: string): Promise<boolean> {
    return (await this.client.exists(this.keys.revoked(id))) === 1;
  }
}
