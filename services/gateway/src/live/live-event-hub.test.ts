import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InProcessBus } from "@chat/bus";
import { type ChatEventMessage, chatEventKey, newEnvelope, userEventKey } from "@chat/contracts";
import { createLogger, newId, traceparentFrom } from "@chat/runtime";
import { LiveEventHub } from "./live-event-hub.ts";

const logger = createLogger("live-event-hub-test", "silent");
/** These tests run on the in-process bus, which never loses its stream. */
const noGap = () => {
  throw new Error("the in-process bus reported a gap");
};

function chunk(chatId: string, seq: number): ChatEventMessage {
  return {
    ...newEnvelope("message_chunk", chatId, { traceparent: traceparentFrom(), id: newId(), now: new Date() }),
    userId: "u1",
    eventId: `epoch:${seq + 1}-0`,
    data: { chatId, messageId: "m1", content: `piece ${seq}`, seq },
  };
}

describe("LiveEventHub", () => {
  let bus: InProcessBus;
  let hub: LiveEventHub;

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
    hub = await LiveEventHub.open(bus, logger);
  });
  afterEach(async () => {
    await hub.close();
    await bus.close();
  });

  /** Publishes `event` under `routingKey` and waits until the in-process bus has delivered it. */
  async function publish(routingKey: string, event: ChatEventMessage): Promise<void> {
    await bus.publishEvent(routingKey, event);
    await Bun.sleep(5);
  }

  test("an event reaches every listener of its chat or user, and no one else's", async () => {
    const heard: string[] = [];
    await hub.subscribe("chat.c1.", (event) => heard.push(`phone:${event.chatId}`), noGap);
    await hub.subscribe("chat.c1.", (event) => heard.push(`laptop:${event.chatId}`), noGap);
    // A chat whose id starts with another's must not hear it, nor be heard by it.
    await hub.subscribe("chat.c10.", (event) => heard.push(`other:${event.chatId}`), noGap);
    await hub.subscribe("user.c1.", (event) => heard.push(`user:${event.chatId}`), noGap);

    await publish(chatEventKey("c1", "message_chunk"), chunk("c1", 0));
    expect(heard.sort()).toEqual(["laptop:c1", "phone:c1"]);

    heard.length = 0;
    await publish(chatEventKey("c10", "message_chunk"), chunk("c10", 0));
    await publish(userEventKey("c1", "chat_updated"), chunk("c2", 1));
    await publish(chatEventKey("c3", "message_chunk"), chunk("c3", 0));
    expect(heard).toEqual(["other:c10", "user:c2"]);
  });

  test("after the last listener of a prefix leaves, its events are not delivered; the others stay", async () => {
    const heard: number[] = [];
    const leave = await hub.subscribe(
      "chat.c1.",
      (event) => heard.push(event.type === "message_chunk" ? 1 : 0),
      noGap,
    );
    await hub.subscribe("chat.c2.", () => heard.push(2), noGap);
    expect(hub.connectionPatterns).toBe(2);
    await leave();
    expect(hub.connectionPatterns).toBe(1);

    await publish(chatEventKey("c1", "message_chunk"), chunk("c1", 0));
    await publish(chatEventKey("c2", "message_chunk"), chunk("c2", 0));
    expect(heard).toEqual([2]);
  });

  test("a prefix that is not <scope>.<id>. is refused", async () => {
    for (const prefix of ["chat.", "chat.c1", "chat.c1.message_chunk.", "chat.*.", "chat.#.", ""]) {
      await expect(hub.subscribe(prefix, () => {}, noGap)).rejects.toThrow(RangeError);
    }
    expect(hub.connectionPatterns).toBe(0);
  });
});
