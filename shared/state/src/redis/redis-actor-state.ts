import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ActorState, ActorStateOptions } from "../actor-state.ts";
import { ActorStateAdapter } from "../actor-state-adapter.ts";
import { RedisKeySpace } from "./redis-key-space.ts";
import { RedisOneTimeTickets } from "./redis-one-time-tickets.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import { RedisReplayLog } from "./redis-replay-log.ts";
import { RedisRevocationList } from "./redis-revocation-list.ts";
import { RedisSnapshots } from "./redis-snapshots.ts";

export type RedisActorStateOptions = ActorStateOptions & {
  /** `redis://` or `rediss://` URL of the Redis server. */
  url: string;
  logger: Logger;
  /** How long `isReady` waits for PING before answering false. */
  readyTimeoutMs?: number;
};

/**
 * The Redis ActorState: snapshots, replay log, rate limiter, tickets and revocations, one adapter
 * each, over one connection and one key space (see `RedisKeySpace`).
 *
 * @example
 * const state = new RedisActorState({ url: "redis://127.0.0.1:6379", keyPrefix: "chat", ttlSeconds: 86_400, replayLogMaxLength: 1_000, logger });
 * const logged = await state.replayLog.append(chatId, { type: "message_chunk", data });
 */
export class RedisActorState extends ActorStateAdapter implements ActorState {
  readonly replayLog: RedisReplayLog;
  readonly rateLimiter: RedisRateLimiter;
  readonly tickets: RedisOneTimeTickets;
  readonly revocations: RedisRevocationList;
  protected readonly snapshots: RedisSnapshots;
  private readonly client: Redis;
  private readonly keys: RedisKeySpace;
  private readonly readyTimeoutMs: number;

  constructor(options: RedisActorStateOptions) {
    super(options);
    this.keys = new RedisKeySpace(options.keyPrefix);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 1_000;
    const logger = options.logger;
    this.client = new Redis(options.url, { connectionName: "chat-actor-state" });
    this.client.on("error", (error: Error) => logger.warn({ err: error }, "redis connection error"));
    this.client.on("ready", () => logger.debug("redis ready"));
    this.snapshots = new RedisSnapshots(this.client, this.keys, options.ttlSeconds);
    this.replayLog = new RedisReplayLog(this.client, this.keys, {
      ttlSeconds: options.ttlSeconds,
      maxLength: options.replayLogMaxLength,
      windowMs: (options.replayLogWindowSeconds ?? 0) * 1_000,
      logger,
    });
    this.rateLimiter = new RedisRateLimiter(this.client, this.keys);
    this.tickets = new RedisOneTimeTickets(this.client, this.keys);
    this.revocations = new RedisRevocationList(this.client, this.keys);
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
    let cursor = "0";
    do {
      const [next, keys] = await this.client.scan(cursor, "MATCH", this.keys.everyKey(), "COUNT", 500);
      if (keys.length > 0) await this.client.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
}
