import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InProcessBus } from "@chat/bus";
import { type ChatEventMessage, newEnvelope, userEventKey } from "@chat/contracts";
import { createLogger, newId, traceparentFrom } from "@chat/runtime";
import { MemoryActorState } from "@chat/state";
import { LiveEventHub } from "./live-event-hub.ts";

const logger = createLogger("live-event-hub-test", "silent");
/** These tests run in one process, whose log tail and bus never lose an event. */
const noGap = () => {
  throw new Error("a gap was reported");
};

const chunk = (chatId: string, seq: number) =>
  ({ type: "message_chunk", data: { chatId, messageId: "m1", content: `piece ${seq}`, seq } }) as const;

function userEvent(userId: string, chatId: string): ChatEventMessage {
  return {
    ...newEnvelope("message_chunk", chatId, { traceparent: traceparentFrom(), id: newId(), now: new Date() }),
    userId,
    eventId: "epoch:1-0",
    data: { chatId, messageId: "m1", content: "for the user", seq: 0 },
  };
}

describe("LiveEventHub", () => {
  let bus: InProcessBus;
  let state: MemoryActorState;
  let hub: LiveEventHub;

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
    state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 100 });
    hub = await LiveEventHub.open(bus, state.replayLog, logger);
  });
  afterEach(async () => {
    await hub.close();
    await bus.close();
  });

  test("a chat's appended events reach every follower of that chat, in order, with the id before each", async () => {
    const heard: string[] = [];
    const previous: Array<string | null> = [];
    await hub.followChat("c1", (event) => heard.push(`phone:${event.data.chatId}`), noGap);
    await hub.followChat(
      "c1",
      (event, previousEventId) => {
        heard.push(`laptop:${event.data.chatId}`);
        previous.push(previousEventId);
      },
      noGap,
    );
    // A chat whose id starts with another's must not hear it, nor be heard by it.
    await hub.followChat("c10", (event) => heard.push(`other:${event.data.chatId}`), noGap);

    const first = await state.replayLog.append("c1", chunk("c1", 0));
    await state.replayLog.append("c1", chunk("c1", 1));
    expect(heard.sort()).toEqual(["laptop:c1", "laptop:c1", "phone:c1", "phone:c1"]);
    expect(previous).toEqual([null, first.eventId]);

    heard.length = 0;
    await state.replayLog.append("c10", chunk("c10", 0));
    await state.replayLog.append("c3", chunk("c3", 0));
    expect(heard).toEqual(["other:c10"]);
  });

  test("a user's events come from the bus to that user's followers only", async () => {
    const heard: string[] = [];
    await hub.followUser("u1", (event) => heard.push(`u1:${event.data.chatId}`), noGap);
    await hub.followUser("u10", (event) => heard.push(`u10:${event.data.chatId}`), noGap);
    await hub.followChat("u1", (event) => heard.push(`chat:${event.data.chatId}`), noGap);
    await bus.publishEvent(userEventKey("u1", "chat_updated"), userEvent("u1", "c2"));
    await Bun.sleep(5);
    expect(heard).toEqual(["u1:c2"]);
  });

  test("after the last follower of a chat leaves, its events are not delivered; the others stay", async () => {
    const heard: string[] = [];
    const leave = await hub.followChat("c1", () => heard.push("c1"), noGap);
    await hub.followChat("c2", () => heard.push("c2"), noGap);
    await hub.followUser("u1", () => heard.push("u1"), noGap);
    expect(hub.followedKeys).toBe(3);
    await leave();
    expect(hub.followedKeys).toBe(2);

    await state.replayLog.append("c1", chunk("c1", 0));
    await state.replayLog.append("c2", chunk("c2", 0));
    expect(heard).toEqual(["c2"]);
  });

  test("a follower that throws does not keep the others from hearing, nor fail the append", async () => {
    const heard: number[] = [];
    await hub.followChat(
      "c1",
      () => {
        throw new Error("a broken connection");
      },
      noGap,
    );
    await hub.followChat(
      "c1",
      (event) => heard.push(event.type === "message_chunk" ? event.data.seq : -1),
      noGap,
    );
    await state.replayLog.append("c1", chunk("c1", 7));
    expect(heard).toEqual([7]);
  });

  test("an id that is not one routing word is refused", async () => {
    for (const id of ["", "c1.x", "*", "#", "a.b.c"]) {
      await expect(hub.followChat(id, () => {}, noGap)).rejects.toThrow(RangeError);
      await expect(hub.followUser(id, () => {}, noGap)).rejects.toThrow(RangeError);
    }
    expect(hub.followedKeys).toBe(0);
  });
});
