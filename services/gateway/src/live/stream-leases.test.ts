import { expect, test } from "bun:test";
import { createLogger } from "@chat/runtime";
import { MemoryActorState, type RateLimiter } from "@chat/state";
import { StreamLease } from "./stream-leases.ts";

const logger = createLogger("stream-leases-test", "silent");

/** A limiter that records what it was asked, in front of the memory adapter's. */
function recordingLimiter(now: () => number = Date.now) {
  const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 10, now });
  const calls: string[] = [];
  const limiter: RateLimiter = {
    take: (...args) => state.rateLimiter.take(...args),
    acquireLease: (...args) => {
      calls.push("acquire");
      return state.rateLimiter.acquireLease(...args);
    },
    renewLease: (...args) => {
      calls.push("renew");
      return state.rateLimiter.renewLease(...args);
    },
    releaseLease: (...args) => {
      calls.push("release");
      return state.rateLimiter.releaseLease(...args);
    },
  };
  return { limiter, calls, state };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

test("a lease kept alive outlasts its length; one that is not expires; release frees it at once", async () => {
  const { limiter, calls } = recordingLimiter();
  const options = { leaseMs: 150, logger };
  const kept = await StreamLease.acquire(limiter, "streams:user-a", 1, options);
  const idle = await StreamLease.acquire(limiter, "streams:user-b", 1, options);
  expect(kept).not.toBeNull();
  expect(idle).not.toBeNull();
  kept?.keepAlive();

  await until(() => calls.filter((call) => call === "renew").length >= 4);
  expect(await StreamLease.acquire(limiter, "streams:user-a", 1, options)).toBeNull();
  expect(await StreamLease.acquire(limiter, "streams:user-b", 1, options)).not.toBeNull();

  await kept?.release();
  const renewals = calls.filter((call) => call === "renew").length;
  expect(await StreamLease.acquire(limiter, "streams:user-a", 1, options)).not.toBeNull();
  await Bun.sleep(150);
  expect(calls.filter((call) => call === "renew")).toHaveLength(renewals);
});

test("a lease lost while its stream was open is taken again when a slot is free", async () => {
  let clock = 1_000_000;
  const { limiter, calls, state } = recordingLimiter(() => clock);
  const lease = await StreamLease.acquire(limiter, "streams:user-a", 1, { leaseMs: 60, logger });
  // The process stalled past the lease's length: it expired, by the limiter's clock.
  clock += 1_000;
  lease?.keepAlive();
  await until(() => calls.filter((call) => call === "acquire").length >= 2);
  await until(() => calls.at(-1) !== "acquire");
  expect(await state.rateLimiter.acquireLease("streams:user-a", 1, 60)).toBeNull();
  await lease?.release();
  expect(await state.rateLimiter.acquireLease("streams:user-a", 1, 60)).not.toBeNull();
});

test("release and keepAlive after release do nothing more", async () => {
  const { limiter, calls } = recordingLimiter();
  const lease = await StreamLease.acquire(limiter, "streams:user-a", 2, { leaseMs: 30, logger });
  await lease?.release();
  await lease?.release();
  lease?.keepAlive();
  await Bun.sleep(60);
  expect(calls).toEqual(["acquire", "release"]);
});
