import { describe, expect, test } from "bun:test";
import { parseEventId } from "@chat/contracts";
import { Redis } from "ioredis";
import pino from "pino";
import { redisAvailable, redisUrl, testNamespace } from "../../../../test/support/infrastructure.ts";
import {
  type ActorStateContractOptions,
  actorStateContract,
  expectIncreasingEventIds,
} from "../actor-state.contract.ts";
import type { FollowedChatEvent } from "../actor-state.ts";
import { RedisActorState } from "./redis-actor-state.ts";

const logger = pino({ level: "silent" });

function open(options: ActorStateContractOptions & { keyPrefix?: string }): RedisActorState {
  return new RedisActorState({ url: redisUrl, keyPrefix: testNamespace("state"), logger, ...options });
}

/** Removes the keys through a connection of its own, since a test may have closed the state's. */
async function removeKeys(keyPrefix: string): Promise<void> {
  const janitor = open({ keyPrefix, ttlSeconds: 1, replayLogMaxLength: 1 });
  await janitor.removeKeys();
  await janitor.close();
}

const event = (seq: number) =>
  ({
    type: "message_chunk",
    data: { chatId: "chat-a", messageId: "message-1", content: `${seq}`, seq },
  }) as const;

describe.skipIf(!redisAvailable)("RedisActorState", () => {
  actorStateContract("contract", async (options) => {
    const keyPrefix = testNamespace("state");
    const state = open({ ...options, keyPrefix });
    return {
      state,
      cleanup: async () => {
        await state.close();
        await removeKeys(keyPrefix);
      },
      elapse: (milliseconds) => Bun.sleep(milliseconds),
    };
  });

  test("concurrent appends from two clients keep one epoch and unique, increasing ids", async () => {
    const keyPrefix = testNamespace("state");
    const first = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 1_000 });
    const second = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 1_000 });
    try {
      const appended = await Promise.all(
        Array.from({ length: 200 }, (_, seq) =>
          (seq % 2 === 0 ? first : second).replayLog.append("chat-a", event(seq)),
        ),
      );
      const read = await first.replayLog.readAfter("chat-a", null);
      if (read.status !== "ok") throw new Error("log expired");
      const ids = read.events.map((logged) => parseEventId(logged.eventId));
      expect(new Set(ids.map((id) => id?.epoch)).size).toBe(1);
      expect(new Set(read.events.map((logged) => logged.eventId))).toEqual(
        new Set(appended.map((logged) => logged.eventId)),
      );
      expectIncreasingEventIds(ids);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await removeKeys(keyPrefix);
    }
  });

  test("keys live under <prefix>:chat:{<chatId>}: and carry the TTL", async () => {
    const keyPrefix = testNamespace("state");
    const state = open({ keyPrefix, ttlSeconds: 30, replayLogMaxLength: 100 });
    const redis = new Redis(redisUrl);
    try {
      await state.save("chat-a", { step: 1 }, 0);
      await state.replayLog.append("chat-a", event(0));
      const keys = await redis.keys(`${keyPrefix}:*`);
      expect(keys.sort()).toEqual(
        ["epoch", "events", "state"].map((part) => `${keyPrefix}:chat:{chat-a}:${part}`),
      );
      for (const key of keys) {
        const ttl = await redis.ttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(30);
      }
    } finally {
      redis.disconnect();
      await state.close();
      await removeKeys(keyPrefix);
    }
  });

  test("rate limits and tickets live under the prefix and expire when they no longer matter", async () => {
    const keyPrefix = testNamespace("state");
    const state = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 100 });
    const redis = new Redis(redisUrl);
    try {
      await state.rateLimiter.take("ip:10.0.0.1", { capacity: 10, perSeconds: 60 }, 4);
      await state.rateLimiter.acquireLease("streams:user-1", 3, 30_000);
      await state.rateLimiter.acquireLease("streams:user-1", 3, 45_000);
      const ticket = await state.tickets.issue("user-1", 20);

      expect((await redis.keys(`${keyPrefix}:*`)).sort()).toEqual([
        `${keyPrefix}:bucket:ip:10.0.0.1`,
        `${keyPrefix}:leases:streams:user-1`,
        `${keyPrefix}:ticket:${ticket}`,
      ]);
      expect(await redis.hgetall(`${keyPrefix}:bucket:ip:10.0.0.1`)).toEqual({
        tokens: "6",
        updatedAt: expect.stringMatching(/^\d{13}$/),
      });
      // Full again after 4 tokens at one per 6 s.
      const bucketTtl = await redis.pttl(`${keyPrefix}:bucket:ip:10.0.0.1`);
      expect(bucketTtl).toBeGreaterThan(23_000);
      expect(bucketTtl).toBeLessThanOrEqual(24_001);
      expect(await redis.zcard(`${keyPrefix}:leases:streams:user-1`)).toBe(2);
      // The longest lease decides.
      const leasesTtl = await redis.pttl(`${keyPrefix}:leases:streams:user-1`);
      expect(leasesTtl).toBeGreaterThan(44_000);
      expect(leasesTtl).toBeLessThanOrEqual(45_000);
      const ticketTtl = await redis.ttl(`${keyPrefix}:ticket:${ticket}`);
      expect(ticketTtl).toBeGreaterThan(0);
      expect(ticketTtl).toBeLessThanOrEqual(20);
    } finally {
      redis.disconnect();
      await state.close();
      await removeKeys(keyPrefix);
    }
  });

  test("gateways on separate connections share buckets, leases and tickets; a ticket is redeemed once", async () => {
    const keyPrefix = testNamespace("state");
    const gateways = [0, 1, 2, 3].map(() => open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 100 }));
    const at = (index: number) => gateways[index % gateways.length] as RedisActorState;
    try {
      const ticket = await at(0).tickets.issue("user-1", 60);
      const redeemed = await Promise.all(
        Array.from({ length: 16 }, (_, index) => at(index).tickets.redeem(ticket)),
      );
      expect(redeemed.filter((payload) => payload !== null)).toEqual(["user-1"]);

      const verdicts = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          at(index).rateLimiter.take("user:1", { capacity: 7, perSeconds: 600 }),
        ),
      );
      expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(7);

      const leases = await Promise.all(
        Array.from({ length: 10 }, (_, index) => at(index).rateLimiter.acquireLease("streams:1", 3, 60_000)),
      );
      expect(leases.filter((lease) => lease !== null)).toHaveLength(3);
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close()));
      await removeKeys(keyPrefix);
    }
  });

  test("a log that lost its epoch key starts over under a new epoch, and old ids are expired", async () => {
    const keyPrefix = testNamespace("state");
    const state = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 100 });
    const redis = new Redis(redisUrl);
    try {
      const old = await state.replayLog.append("chat-a", event(0));
      await redis.del(`${keyPrefix}:chat:{chat-a}:epoch`);
      expect(await state.replayLog.readAfter("chat-a", old.eventId)).toEqual({ status: "expired" });
      const fresh = await state.replayLog.append("chat-a", event(1));
      expect(parseEventId(fresh.eventId)?.epoch).not.toBe(parseEventId(old.eventId)?.epoch);
      expect(await state.replayLog.readAfter("chat-a", null)).toEqual({ status: "ok", events: [fresh] });
    } finally {
      redis.disconnect();
      await state.close();
      await removeKeys(keyPrefix);
    }
  });

  describe("replay log tail", () => {
    async function tailOf(state: RedisActorState) {
      const heard: FollowedChatEvent[] = [];
      let gaps = 0;
      const tail = await state.replayLog.openTail({
        onEvent: (followed) => heard.push(followed),
        onGap: () => gaps++,
      });
      const waitFor = async (condition: () => boolean) => {
        for (let waited = 0; !condition() && waited < 5_000; waited += 10) await Bun.sleep(10);
        expect(condition()).toBe(true);
      };
      return { tail, heard, waitFor, gaps: () => gaps };
    }

    test("a malformed message on a chat's channel is dropped; the chat's next events still arrive", async () => {
      const keyPrefix = testNamespace("state");
      const state = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 100 });
      const redis = new Redis(redisUrl);
      const { tail, heard, waitFor } = await tailOf(state);
      try {
        await tail.watch("chat-a");
        const channel = `${keyPrefix}:chat:{chat-a}:live`;
        for (const junk of [
          "",
          "no breaks",
          "x\ny\n{}",
          "e:1-0\n\nnot json",
          'e:1-0\n\n{"type":"nope"}',
          "\u0000\n\n\n",
        ]) {
          await redis.publish(channel, junk);
        }
        const logged = await state.replayLog.append("chat-a", event(0));
        await waitFor(() => heard.length === 1);
        expect(heard[0]?.event).toEqual(logged);
      } finally {
        redis.disconnect();
        await tail.close();
        await state.close();
        await removeKeys(keyPrefix);
      }
    });

    test("when its connection is cut, the tail watches again, then reports the gap; later appends arrive", async () => {
      const keyPrefix = testNamespace("state");
      const state = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 100 });
      const redis = new Redis(redisUrl);
      const { tail, heard, waitFor, gaps } = await tailOf(state);
      try {
        await tail.watch("chat-a");
        await state.replayLog.append("chat-a", event(0));
        await waitFor(() => heard.length === 1);
        const clients = String(await redis.call("CLIENT", "LIST", "TYPE", "pubsub"));
        const line = clients.split("\n").find((entry) => entry.includes(` name=${keyPrefix}:replay-tail `));
        const id = line?.match(/^id=(\d+)/)?.[1];
        expect(id).toBeDefined();
        await redis.call("CLIENT", "KILL", "ID", id as string);
        await waitFor(() => gaps() === 1);
        // The gap is reported once the chat is watched again: what is appended now arrives.
        const after = await state.replayLog.append("chat-a", event(1));
        await waitFor(() => heard.length === 2);
        expect(heard[1]?.event).toEqual(after);
      } finally {
        redis.disconnect();
        await tail.close();
        await state.close();
        await removeKeys(keyPrefix);
      }
    });
  });

  test("removeKeys deletes every key under the prefix and nothing else", async () => {
    const keyPrefix = testNamespace("state");
    const neighbourPrefix = `${keyPrefix}-neighbour`;
    const state = open({ keyPrefix, ttlSeconds: 60, replayLogMaxLength: 100 });
    const neighbour = open({ keyPrefix: neighbourPrefix, ttlSeconds: 60, replayLogMaxLength: 100 });
    try {
      for (const chatId of ["chat-a", "chat-b"]) {
        await state.save(chatId, { step: 1 }, 0);
        await state.replayLog.append(chatId, event(0));
      }
      await neighbour.save("chat-a", { step: 1 }, 0);
      await state.removeKeys();
      expect(await state.load("chat-a")).toBeNull();
      expect(await state.replayLog.readAfter("chat-b", null)).toEqual({ status: "ok", events: [] });
      expect(await neighbour.load("chat-a")).toEqual({ state: { step: 1 }, version: 1 });
    } finally {
      await Promise.all([state.close(), neighbour.close()]);
      await removeKeys(neighbourPrefix);
    }
  });

  test("isReady answers false, without hanging, when Redis cannot be reached", async () => {
    const state = new RedisActorState({
      url: "redis://127.0.0.1:1",
      keyPrefix: testNamespace("state"),
      ttlSeconds: 60,
      replayLogMaxLength: 100,
      logger,
      readyTimeoutMs: 200,
    });
    try {
      expect(await state.isReady()).toBe(false);
    } finally {
      await state.close();
    }
  });
});
