import { afterEach, describe, expect, test } from "bun:test";
import { type ChatEvent, formatEventId, type LoggedChatEvent, parseEventId } from "@chat/contracts";
import type { ActorState, ActorStateOptions, FollowedChatEvent, ReplayRead } from "./actor-state.ts";

export type ActorStateContractOptions = Omit<ActorStateOptions, "keyPrefix">;

/** One adapter instance under test, with its own keys. */
export type ActorStateFixture = {
  state: ActorState;
  /** Closes the adapter and removes everything it stored. */
  cleanup(): Promise<void>;
  /** Lets `milliseconds` pass for the adapter's clock: a real wait, or a step of an injected clock. */
  elapse(milliseconds: number): Promise<void>;
};

const defaults: ActorStateContractOptions = { ttlSeconds: 60, replayLogMaxLength: 1_000 };

/** Expects parsed event ids in strictly increasing order (by time, then sequence); null is unparsable. */
export function expectIncreasingEventIds(ids: ReadonlyArray<ReturnType<typeof parseEventId>>): void {
  for (let index = 1; index < ids.length; index++) {
    const previous = ids[index - 1];
    const current = ids[index];
    if (!previous || !current) throw new Error("unparsable id");
    expect(current.ms > previous.ms || (current.ms === previous.ms && current.seq > previous.seq)).toBe(true);
  }
}

function chunk(chatId: string, seq: number): ChatEvent {
  return { type: "message_chunk", data: { chatId, messageId: "message-1", content: `part ${seq}`, seq } };
}

function eventsOf(read: ReplayRead): LoggedChatEvent[] {
  if (read.status !== "ok") throw new Error(`expected an ok read, got ${read.status}`);
  return read.events;
}

/**
 * The behaviour every ActorState adapter must show. Run it from the adapter's test file:
 *
 * @example
 * actorStateContract("MemoryActorState", async (options) => {
 *   let clock = Date.now();
 *   const state = new MemoryActorState({ ...options, now: () => clock });
 *   return { state, cleanup: () => state.close(), elapse: async (milliseconds) => void (clock += milliseconds) };
 * });
 */
export function actorStateContract(
  name: string,
  make: (options: ActorStateContractOptions) => Promise<ActorStateFixture>,
): void {
  describe(name, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    });

    async function open(overrides: Partial<ActorStateContractOptions> = {}): Promise<ActorStateFixture> {
      const fixture = await make({ ...defaults, ...overrides });
      cleanups.push(fixture.cleanup);
      return fixture;
    }

    async function appendMany(state: ActorState, chatId: string, count: number): Promise<LoggedChatEvent[]> {
      const logged: LoggedChatEvent[] = [];
      for (let seq = 0; seq < count; seq++)
        logged.push(await state.replayLog.append(chatId, chunk(chatId, seq)));
      return logged;
    }

    describe("snapshots", () => {
      test("loading a chat that was never saved gives null", async () => {
        const { state } = await open();
        expect(await state.load("chat-none")).toBeNull();
      });

      test("a saved snapshot loads back equal, with version 1", async () => {
        const { state } = await open();
        const snapshot = { phase: "idle", turns: [{ id: "turn-1", tokens: 12 }], title: null };
        expect(await state.save("chat-a", snapshot, 0)).toBe(1);
        expect(await state.load("chat-a")).toEqual({ state: snapshot, version: 1 });
      });

      test("a snapshot is stored as a copy, untouched by later changes to the object", async () => {
        const { state } = await open();
        const snapshot = { turns: ["turn-1"] };
        await state.save("chat-a", snapshot, 0);
        snapshot.turns.push("turn-2");
        expect((await state.load<typeof snapshot>("chat-a"))?.state).toEqual({ turns: ["turn-1"] });
      });

      test("each save with the current version increments it", async () => {
        const { state } = await open();
        expect(await state.save("chat-a", { step: 1 }, 0)).toBe(1);
        expect(await state.save("chat-a", { step: 2 }, 1)).toBe(2);
        expect(await state.save("chat-a", { step: 3 }, 2)).toBe(3);
        expect(await state.load("chat-a")).toEqual({ state: { step: 3 }, version: 3 });
      });

      test("a save with a stale version returns null and leaves the stored snapshot alone", async () => {
        const { state } = await open();
        await state.save("chat-a", { writer: "first" }, 0);
        await state.save("chat-a", { writer: "second" }, 1);
        expect(await state.save("chat-a", { writer: "stale" }, 1)).toBeNull();
        expect(await state.save("chat-a", { writer: "fresh-start" }, 0)).toBeNull();
        expect(await state.save("chat-a", { writer: "from-the-future" }, 7)).toBeNull();
        expect(await state.load("chat-a")).toEqual({ state: { writer: "second" }, version: 2 });
      });

      test("a save expecting a stored version fails when nothing is stored", async () => {
        const { state } = await open();
        expect(await state.save("chat-a", { step: 1 }, 1)).toBeNull();
        expect(await state.load("chat-a")).toBeNull();
      });

      test("only one of two concurrent writers with the same expected version wins", async () => {
        const { state } = await open();
        const results = await Promise.all([
          state.save("chat-a", { writer: "one" }, 0),
          state.save("chat-a", { writer: "two" }, 0),
        ]);
        expect(results.filter((version) => version === 1)).toHaveLength(1);
        expect(results.filter((version) => version === null)).toHaveLength(1);
        const winner = results[0] === 1 ? "one" : "two";
        expect(await state.load("chat-a")).toEqual({ state: { writer: winner }, version: 1 });
      });

      test("delete drops the snapshot, so versions start over at 0", async () => {
        const { state } = await open();
        await state.save("chat-a", { step: 1 }, 0);
        await state.save("chat-a", { step: 2 }, 1);
        await state.delete("chat-a");
        expect(await state.load("chat-a")).toBeNull();
        expect(await state.save("chat-a", { step: 1 }, 0)).toBe(1);
      });

      test("delete leaves the chat's replay log in place", async () => {
        const { state } = await open();
        const logged = await state.replayLog.append("chat-a", chunk("chat-a", 0));
        await state.save("chat-a", { step: 1 }, 0);
        await state.delete("chat-a");
        expect(eventsOf(await state.replayLog.readAfter("chat-a", null))).toEqual([logged]);
      });
    });

    describe("replay log", () => {
      test("appended events get ids in the `<epoch>:<ms>-<seq>` format, strictly increasing, one epoch", async () => {
        const { state } = await open();
        const logged = await appendMany(state, "chat-a", 50);
        const ids = logged.map((event) => parseEventId(event.eventId));
        for (const id of ids) expect(id).not.toBeNull();
        expect(new Set(ids.map((id) => id?.epoch)).size).toBe(1);
        expectIncreasingEventIds(ids);
      });

      test("append returns the event as given, with its id", async () => {
        const { state } = await open();
        const event = chunk("chat-a", 0);
        const logged = await state.replayLog.append("chat-a", event);
        expect(logged).toEqual({ ...event, eventId: logged.eventId });
      });

      test("reading a chat without a log gives no events", async () => {
        const { state } = await open();
        expect(await state.replayLog.readAfter("chat-none", null)).toEqual({ status: "ok", events: [] });
      });

      test("reading from the start gives every event, in order, equal to what append returned", async () => {
        const { state } = await open();
        const logged = await appendMany(state, "chat-a", 20);
        expect(await state.replayLog.readAfter("chat-a", null)).toEqual({ status: "ok", events: logged });
      });

      test("reading after an id gives exactly the events after it", async () => {
        const { state } = await open();
        const logged = await appendMany(state, "chat-a", 20);
        for (const index of [0, 7, 18]) {
          const after = logged[index]?.eventId ?? null;
          expect(await state.replayLog.readAfter("chat-a", after)).toEqual({
            status: "ok",
            events: logged.slice(index + 1),
          });
        }
      });

      test("reading after the last id gives no events", async () => {
        const { state } = await open();
        const logged = await appendMany(state, "chat-a", 5);
        const last = logged.at(-1)?.eventId ?? null;
        expect(await state.replayLog.readAfter("chat-a", last)).toEqual({ status: "ok", events: [] });
      });

      test("reading after the last id, then appending, gives the new events", async () => {
        const { state } = await open();
        const before = await appendMany(state, "chat-a", 3);
        const later = await state.replayLog.append("chat-a", chunk("chat-a", 3));
        expect(eventsOf(await state.replayLog.readAfter("chat-a", before.at(-1)?.eventId ?? null))).toEqual([
          later,
        ]);
      });

      test("an id from another epoch is expired", async () => {
        const { state } = await open();
        const [own] = await appendMany(state, "chat-a", 3);
        const [foreign] = await appendMany(state, "chat-b", 3);
        const parts = parseEventId(own?.eventId ?? "");
        if (!parts || !foreign) throw new Error("no events");
        const sameStreamIdOtherEpoch = formatEventId("another-epoch", `${parts.ms}-${parts.seq}`);
        expect(await state.replayLog.readAfter("chat-a", sameStreamIdOtherEpoch)).toEqual({
          status: "expired",
        });
        expect(await state.replayLog.readAfter("chat-a", foreign.eventId)).toEqual({ status: "expired" });
      });

      test("an id that does not parse is expired", async () => {
        const { state } = await open();
        const [first] = await appendMany(state, "chat-a", 3);
        for (const garbage of ["", "garbage", "1700000000000-0", `${first?.eventId}x`, "epoch:12-x"]) {
          expect(await state.replayLog.readAfter("chat-a", garbage)).toEqual({ status: "expired" });
        }
      });

      test("an id newer than anything the log wrote is expired", async () => {
        const { state } = await open();
        const [last] = await appendMany(state, "chat-a", 1);
        const parts = parseEventId(last?.eventId ?? "");
        if (!parts) throw new Error("no event");
        const future = formatEventId(parts.epoch, `${parts.ms + 60_000}-0`);
        expect(await state.replayLog.readAfter("chat-a", future)).toEqual({ status: "expired" });
      });

      test("an id for a chat without a log is expired", async () => {
        const { state } = await open();
        const [logged] = await appendMany(state, "chat-a", 1);
        expect(await state.replayLog.readAfter("chat-none", logged?.eventId ?? "")).toEqual({
          status: "expired",
        });
      });

      test("a log keeps at least its max length; older ids are expired, recent ones resume exactly", async () => {
        const { state } = await open({ replayLogMaxLength: 10 });
        const logged = await appendMany(state, "chat-a", 1_000);
        const whole = eventsOf(await state.replayLog.readAfter("chat-a", null));
        expect(whole.length).toBeGreaterThanOrEqual(10);
        expect(whole.length).toBeLessThan(1_000);
        expect(whole).toEqual(logged.slice(-whole.length));
        expect(await state.replayLog.readAfter("chat-a", logged[0]?.eventId ?? "")).toEqual({
          status: "expired",
        });
        expect(await state.replayLog.readAfter("chat-a", logged[500]?.eventId ?? "")).toEqual({
          status: "expired",
        });
        expect(await state.replayLog.readAfter("chat-a", logged[989]?.eventId ?? "")).toEqual({
          status: "ok",
          events: logged.slice(990),
        });
        expect(await state.replayLog.readAfter("chat-a", logged[995]?.eventId ?? "")).toEqual({
          status: "ok",
          events: logged.slice(996),
        });
      });

      test("an id right before the oldest kept event resumes; one older is expired", async () => {
        const { state } = await open({ replayLogMaxLength: 10 });
        const logged = await appendMany(state, "chat-a", 300);
        const whole = eventsOf(await state.replayLog.readAfter("chat-a", null));
        const oldest = logged.findIndex((event) => event.eventId === whole[0]?.eventId);
        expect(oldest).toBeGreaterThan(1);
        expect(await state.replayLog.readAfter("chat-a", logged[oldest - 1]?.eventId ?? "")).toEqual({
          status: "ok",
          events: whole,
        });
        expect(await state.replayLog.readAfter("chat-a", logged[oldest - 2]?.eventId ?? "")).toEqual({
          status: "expired",
        });
      });

      test("with a window, events older than it go at the next append; ids before the cut are expired", async () => {
        const { state, elapse } = await open({ replayLogWindowSeconds: 1 });
        const old = await appendMany(state, "chat-a", 3);
        await elapse(1_500);
        const fresh = await state.replayLog.append("chat-a", chunk("chat-a", 3));
        expect(eventsOf(await state.replayLog.readAfter("chat-a", null))).toEqual([fresh]);
        expect(await state.replayLog.readAfter("chat-a", (old[0] as LoggedChatEvent).eventId)).toEqual({
          status: "expired",
        });
        // The last id before the cut is right before the oldest kept event: it resumes exactly.
        expect(
          eventsOf(await state.replayLog.readAfter("chat-a", (old[2] as LoggedChatEvent).eventId)),
        ).toEqual([fresh]);
        expect(parseEventId(fresh.eventId)?.epoch).toBe(
          parseEventId((old[0] as LoggedChatEvent).eventId)?.epoch,
        );
      });

      test("a deleted log is gone: old ids are expired, and new appends start a new epoch", async () => {
        const { state } = await open();
        const old = await appendMany(state, "chat-a", 5);
        await state.replayLog.delete("chat-a");
        expect(await state.replayLog.readAfter("chat-a", null)).toEqual({ status: "ok", events: [] });
        expect(await state.replayLog.readAfter("chat-a", old[2]?.eventId ?? "")).toEqual({
          status: "expired",
        });

        const fresh = await appendMany(state, "chat-a", 2);
        expect(parseEventId(fresh[0]?.eventId ?? "")?.epoch).not.toBe(
          parseEventId(old[0]?.eventId ?? "")?.epoch,
        );
        expect(await state.replayLog.readAfter("chat-a", old[2]?.eventId ?? "")).toEqual({
          status: "expired",
        });
        expect(await state.replayLog.readAfter("chat-a", old.at(-1)?.eventId ?? "")).toEqual({
          status: "expired",
        });
        expect(eventsOf(await state.replayLog.readAfter("chat-a", null))).toEqual(fresh);
      });
    });

    describe("replay log tail", () => {
      /** Collects what a tail hears; `until` waits for the count (Redis delivers after the append returns). */
      async function openTail(state: ActorState) {
        const heard: FollowedChatEvent[] = [];
        let gaps = 0;
        const tail = await state.replayLog.openTail({
          onEvent: (followed) => heard.push(followed),
          onGap: () => gaps++,
        });
        const until = async (count: number) => {
          for (let waited = 0; heard.length < count && waited < 2_000; waited += 5) await Bun.sleep(5);
          expect(heard.length).toBe(count);
        };
        return { tail, heard, until, gaps: () => gaps };
      }

      test("each append to a watched chat arrives once, in order, with the id before it; a new log's first has none", async () => {
        const { state } = await open();
        const { tail, heard, until, gaps } = await openTail(state);
        await tail.watch("chat-a");
        const logged = await appendMany(state, "chat-a", 5);
        await until(5);
        expect(heard.map((followed) => followed.chatId)).toEqual(Array(5).fill("chat-a"));
        expect(heard.map((followed) => followed.event)).toEqual(logged);
        expect(heard.map((followed) => followed.previousEventId)).toEqual([
          null,
          ...logged.slice(0, -1).map((event) => event.eventId),
        ]);
        expect(gaps()).toBe(0);
        await tail.close();
      });

      test("only watched chats arrive; after unwatch nothing more; two tails both hear", async () => {
        const { state } = await open();
        const first = await openTail(state);
        const second = await openTail(state);
        await first.tail.watch("chat-a");
        await second.tail.watch("chat-a");
        await second.tail.watch("chat-b");
        await state.replayLog.append("chat-b", chunk("chat-b", 0));
        await state.replayLog.append("chat-c", chunk("chat-c", 0));
        await state.replayLog.append("chat-a", chunk("chat-a", 0));
        await second.until(2);
        await first.until(1);
        expect(first.heard.map((followed) => followed.chatId)).toEqual(["chat-a"]);
        expect(second.heard.map((followed) => followed.chatId)).toEqual(["chat-b", "chat-a"]);

        await first.tail.unwatch("chat-a");
        await state.replayLog.append("chat-a", chunk("chat-a", 1));
        await second.until(3);
        await Bun.sleep(20);
        expect(first.heard).toHaveLength(1);
        await first.tail.close();
        await second.tail.close();
      });

      test("a deleted log's next append begins a new log: it follows nothing", async () => {
        const { state } = await open();
        const { tail, heard, until } = await openTail(state);
        await tail.watch("chat-a");
        await appendMany(state, "chat-a", 2);
        await state.replayLog.delete("chat-a");
        await state.replayLog.append("chat-a", chunk("chat-a", 9));
        await until(3);
        expect(heard[2]?.previousEventId).toBeNull();
        expect(parseEventId(heard[2]?.event.eventId ?? "")?.epoch).not.toBe(
          parseEventId(heard[0]?.event.eventId ?? "")?.epoch,
        );
        await tail.close();
      });
    });

    test("chats are isolated from each other", async () => {
      const { state } = await open();
      await state.save("chat-a", { owner: "a" }, 0);
      await state.save("chat-b", { owner: "b" }, 0);
      await state.save("chat-b", { owner: "b", step: 2 }, 1);
      const a = await appendMany(state, "chat-a", 3);
      const b = await appendMany(state, "chat-b", 4);

      expect(await state.load("chat-a")).toEqual({ state: { owner: "a" }, version: 1 });
      expect(await state.load("chat-b")).toEqual({ state: { owner: "b", step: 2 }, version: 2 });
      expect(eventsOf(await state.replayLog.readAfter("chat-a", null))).toEqual(a);
      expect(eventsOf(await state.replayLog.readAfter("chat-b", null))).toEqual(b);

      await state.delete("chat-a");
      await state.replayLog.delete("chat-a");
      expect(await state.load("chat-b")).toEqual({ state: { owner: "b", step: 2 }, version: 2 });
      expect(eventsOf(await state.replayLog.readAfter("chat-b", null))).toEqual(b);
    });

    test("snapshots and logs expire after the TTL unless written again", async () => {
      const { state, elapse } = await open({ ttlSeconds: 1 });
      await state.save("chat-idle", { step: 1 }, 0);
      const [idle] = await appendMany(state, "chat-idle", 1);
      await state.save("chat-busy", { step: 1 }, 0);
      await appendMany(state, "chat-busy", 1);

      await elapse(500);
      await state.save("chat-busy", { step: 2 }, 1);
      const [busy] = await appendMany(state, "chat-busy", 1);
      await elapse(700);

      expect(await state.load("chat-idle")).toBeNull();
      expect(await state.replayLog.readAfter("chat-idle", null)).toEqual({ status: "ok", events: [] });
      expect(await state.replayLog.readAfter("chat-idle", idle?.eventId ?? "")).toEqual({
        status: "expired",
      });
      expect(await state.load("chat-busy")).toEqual({ state: { step: 2 }, version: 2 });
      expect(await state.replayLog.readAfter("chat-busy", busy?.eventId ?? "")).toEqual({
        status: "ok",
        events: [],
      });
    });

    describe("rate limiter: token buckets", () => {
      test("a bucket allows its capacity, then refuses until the next token, then allows again", async () => {
        const { state, elapse } = await open();
        // A token every 500 ms.
        const limit = { capacity: 3, perSeconds: 1.5 };
        const taken = [];
        for (let take = 0; take < 3; take++) taken.push(await state.rateLimiter.take("ip:1", limit));
        expect(taken.map((verdict) => verdict.allowed)).toEqual([true, true, true]);
        expect(taken.map((verdict) => verdict.remaining)).toEqual([2, 1, 0]);
        expect(taken.map((verdict) => verdict.retryAfterMs)).toEqual([0, 0, 0]);

        const refused = await state.rateLimiter.take("ip:1", limit);
        expect(refused.allowed).toBe(false);
        expect(refused.remaining).toBe(0);
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(500);

        await elapse(refused.retryAfterMs);
        expect((await state.rateLimiter.take("ip:1", limit)).allowed).toBe(true);
      });

      test("a bucket refills to its capacity and no further", async () => {
        const { state, elapse } = await open();
        const limit = { capacity: 2, perSeconds: 0.5 };
        await state.rateLimiter.take("ip:1", limit, 2);
        await elapse(1_000);
        expect(await state.rateLimiter.take("ip:1", limit)).toEqual({
          allowed: true,
          remaining: 1,
          retryAfterMs: 0,
        });
      });

      test("a refused take consumes nothing", async () => {
        const { state, elapse } = await open();
        const slow = { capacity: 3, perSeconds: 60 };
        expect((await state.rateLimiter.take("user:1", slow, 2)).remaining).toBe(1);
        expect((await state.rateLimiter.take("user:1", slow, 2)).allowed).toBe(false);
        expect(await state.rateLimiter.take("user:1", slow, 1)).toEqual({
          allowed: true,
          remaining: 0,
          retryAfterMs: 0,
        });

        // A token every 500 ms: refusals while waiting must not push the next token further away.
        const fast = { capacity: 2, perSeconds: 1 };
        await state.rateLimiter.take("user:2", fast, 2);
        const first = await state.rateLimiter.take("user:2", fast);
        expect(first.allowed).toBe(false);
        for (let attempt = 0; attempt < 5; attempt++) {
          expect((await state.rateLimiter.take("user:2", fast)).allowed).toBe(false);
        }
        await elapse(first.retryAfterMs);
        expect((await state.rateLimiter.take("user:2", fast)).allowed).toBe(true);
      });

      test("a take can cost more than one token, and the wait is for all of them", async () => {
        const { state } = await open();
        // A token every 12 s.
        const limit = { capacity: 5, perSeconds: 60 };
        expect(await state.rateLimiter.take("user:1", limit, 3)).toEqual({
          allowed: true,
          remaining: 2,
          retryAfterMs: 0,
        });
        const refused = await state.rateLimiter.take("user:1", limit, 4);
        expect(refused.allowed).toBe(false);
        expect(refused.remaining).toBe(2);
        expect(refused.retryAfterMs).toBeGreaterThan(12_000);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(24_000);
        expect((await state.rateLimiter.take("user:1", limit, 2)).remaining).toBe(0);
      });

      test("a cost outside 1..capacity, or a limit that cannot work, is refused", async () => {
        const { state } = await open();
        const limit = { capacity: 3, perSeconds: 60 };
        await expect(state.rateLimiter.take("user:1", limit, 4)).rejects.toThrow(RangeError);
        await expect(state.rateLimiter.take("user:1", limit, 0)).rejects.toThrow(RangeError);
        await expect(state.rateLimiter.take("user:1", { capacity: 0, perSeconds: 60 })).rejects.toThrow(
          RangeError,
        );
        await expect(state.rateLimiter.take("user:1", { capacity: 3, perSeconds: 0 })).rejects.toThrow(
          RangeError,
        );
        expect((await state.rateLimiter.take("user:1", limit, 3)).allowed).toBe(true);
      });

      test("buckets of different keys are independent", async () => {
        const { state } = await open();
        const limit = { capacity: 1, perSeconds: 60 };
        expect((await state.rateLimiter.take("ip:1", limit)).allowed).toBe(true);
        expect((await state.rateLimiter.take("ip:1", limit)).allowed).toBe(false);
        expect((await state.rateLimiter.take("ip:2", limit)).allowed).toBe(true);
        expect((await state.rateLimiter.take("user:ip:1", limit)).allowed).toBe(true);
      });

      test("concurrent takes never hand out more than the capacity", async () => {
        const { state } = await open();
        const limit = { capacity: 10, perSeconds: 600 };
        const verdicts = await Promise.all(
          Array.from({ length: 30 }, () => state.rateLimiter.take("ip:1", limit)),
        );
        expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
      });
    });

    describe("rate limiter: leases", () => {
      test("leases cap at the limit; releasing one frees a slot", async () => {
        const { state } = await open();
        const first = await state.rateLimiter.acquireLease("streams:1", 2, 60_000);
        const second = await state.rateLimiter.acquireLease("streams:1", 2, 60_000);
        expect(first).toEqual(expect.any(String));
        expect(second).toEqual(expect.any(String));
        expect(second).not.toBe(first);
        expect(await state.rateLimiter.acquireLease("streams:1", 2, 60_000)).toBeNull();
        expect(await state.rateLimiter.acquireLease("streams:2", 2, 60_000)).toEqual(expect.any(String));

        await state.rateLimiter.releaseLease("streams:1", first as string);
        await state.rateLimiter.releaseLease("streams:1", "no-such-lease");
        const third = await state.rateLimiter.acquireLease("streams:1", 2, 60_000);
        expect(third).toEqual(expect.any(String));
        expect(await state.rateLimiter.acquireLease("streams:1", 2, 60_000)).toBeNull();
        expect(await state.rateLimiter.renewLease("streams:1", first as string, 60_000)).toBe(false);
      });

      test("an unrenewed lease expires after leaseMs; a renewed one is kept", async () => {
        const { state, elapse } = await open();
        const idle = await state.rateLimiter.acquireLease("streams:1", 2, 600);
        const kept = await state.rateLimiter.acquireLease("streams:1", 2, 600);
        await elapse(350);
        expect(await state.rateLimiter.renewLease("streams:1", kept as string, 600)).toBe(true);
        await elapse(350);

        expect(await state.rateLimiter.renewLease("streams:1", idle as string, 600)).toBe(false);
        expect(await state.rateLimiter.acquireLease("streams:1", 2, 600)).toEqual(expect.any(String));
        expect(await state.rateLimiter.acquireLease("streams:1", 2, 600)).toBeNull();
        expect(await state.rateLimiter.renewLease("streams:1", kept as string, 600)).toBe(true);
      });

      test("concurrent acquires never hand out more than the limit", async () => {
        const { state } = await open();
        const leases = await Promise.all(
          Array.from({ length: 12 }, () => state.rateLimiter.acquireLease("streams:1", 5, 60_000)),
        );
        expect(leases.filter((lease) => lease !== null)).toHaveLength(5);
        expect(new Set(leases.filter((lease) => lease !== null)).size).toBe(5);
      });
    });

    describe("one-time tickets", () => {
      test("a ticket redeems its payload exactly once", async () => {
        const { state } = await open();
        const ticket = await state.tickets.issue('{"userId":"user-1"}', 60);
        const other = await state.tickets.issue("user-2", 60);
        expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(other).not.toBe(ticket);
        expect(await state.tickets.redeem(ticket)).toBe('{"userId":"user-1"}');
        expect(await state.tickets.redeem(ticket)).toBeNull();
        expect(await state.tickets.redeem(other)).toBe("user-2");
      });

      test("of many concurrent redeems of one ticket, exactly one gets the payload", async () => {
        const { state } = await open();
        const ticket = await state.tickets.issue("user-1", 60);
        const redeemed = await Promise.all(Array.from({ length: 20 }, () => state.tickets.redeem(ticket)));
        expect(redeemed.filter((payload) => payload !== null)).toEqual(["user-1"]);
      });

      test("a ticket expires after its TTL", async () => {
        const { state, elapse } = await open();
        const shortLived = await state.tickets.issue("user-1", 1);
        const longLived = await state.tickets.issue("user-2", 60);
        await elapse(1_100);
        expect(await state.tickets.redeem(shortLived)).toBeNull();
        expect(await state.tickets.redeem(longLived)).toBe("user-2");
      });

      test("an unknown or malformed ticket redeems to null", async () => {
        const { state } = await open();
        await state.tickets.issue("user-1", 60);
        for (const ticket of ["", "A".repeat(43), "*", "../ticket", "A".repeat(44)]) {
          expect(await state.tickets.redeem(ticket)).toBeNull();
        }
      });

      test("a TTL that is not a positive whole number of seconds is refused", async () => {
        const { state } = await open();
        await expect(state.tickets.issue("user-1", 0)).rejects.toThrow(RangeError);
        await expect(state.tickets.issue("user-1", 1.5)).rejects.toThrow(RangeError);
      });
    });

    describe("revocations", () => {
      test("a revoked id is revoked until its TTL passes; others never were", async () => {
        const { state, elapse } = await open();
        expect(await state.revocations.isRevoked("session-1")).toBe(false);
        await state.revocations.revoke("session-1", 1);
        await state.revocations.revoke("session-2", 60);
        expect(await state.revocations.isRevoked("session-1")).toBe(true);
        expect(await state.revocations.isRevoked("session-3")).toBe(false);
        await elapse(1_100);
        expect(await state.revocations.isRevoked("session-1")).toBe(false);
        expect(await state.revocations.isRevoked("session-2")).toBe(true);
      });

      test("revoking again counts the TTL from the latest revoke", async () => {
        const { state, elapse } = await open();
        await state.revocations.revoke("session-1", 1);
        await state.revocations.revoke("session-1", 60);
        await elapse(1_100);
        expect(await state.revocations.isRevoked("session-1")).toBe(true);
      });

      test("a TTL that is not a positive whole number of seconds is refused", async () => {
        const { state } = await open();
        await expect(state.revocations.revoke("session-1", 0)).rejects.toThrow(RangeError);
        await expect(state.revocations.revoke("session-1", 2.5)).rejects.toThrow(RangeError);
        expect(await state.revocations.isRevoked("session-1")).toBe(false);
      });
    });

    test("isReady is true while open and false once closed", async () => {
      const { state } = await open();
      expect(await state.isReady()).toBe(true);
      await state.close();
      expect(await state.isReady()).toBe(false);
    });
  });
}
