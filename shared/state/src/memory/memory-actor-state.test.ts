import { expect, test } from "bun:test";
import { actorStateContract } from "../actor-state.contract.ts";
import { MemoryActorState } from "./memory-actor-state.ts";

actorStateContract("MemoryActorState", async (options) => {
  let clock = Date.UTC(2030, 0, 1);
  const state = new MemoryActorState({ ...options, now: () => clock });
  return {
    state,
    cleanup: () => state.close(),
    elapse: async (milliseconds) => {
      clock += milliseconds;
    },
  };
});

test("MemoryActorState takes event ids from its clock and keeps them increasing when it goes back", async () => {
  let clock = 5_000;
  const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 100, now: () => clock });
  const event = {
    type: "notification",
    data: { notificationId: "n-1", kind: "test", title: "t", body: "b" },
  } as const;
  const ids: string[] = [];
  for (const time of [5_000, 5_000, 6_000, 5_500, 7_000]) {
    clock = time;
    ids.push((await state.replayLog.append("chat-a", event)).eventId.split(":")[1] ?? "");
  }
  expect(ids).toEqual(["5000-0", "5000-1", "6000-0", "6000-1", "7000-0"]);
});

test("MemoryActorState rejects options that cannot work", () => {
  expect(() => new MemoryActorState({ ttlSeconds: 0, replayLogMaxLength: 10 })).toThrow(/ttlSeconds/);
  expect(() => new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 0 })).toThrow(/replayLogMaxLength/);
});
