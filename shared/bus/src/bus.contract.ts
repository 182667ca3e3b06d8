import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { AppError, BUS_MESSAGE_VERSION, type Envelope, EnvelopeFields, partitionOf } from "@chat/contracts";
import { type Static, Type } from "@sinclair/typebox";
import pino, { type Logger } from "pino";
import type { Bus, DeadLetter } from "./bus.ts";
import { eventually } from "./eventually.ts";

/** A bus whose dead letters a test can read; both adapters offer `deadLetters` outside the port. */
export type InspectableBus = Bus & { deadLetters(source: string): Promise<unknown[]> };

/** What the contract asks of every bus it makes. */
export type BusSettings = { partitions: number; deliveryLimit: number; logger: Logger };

export type BusFixture = { bus: InspectableBus; cleanup(): Promise<void> };

/** Test messages: an envelope with a position, so order and identity can be checked. */
export const Sequenced = Type.Object({
  ...EnvelopeFields,
  type: Type.String(),
  seq: Type.Integer({ minimum: 0 }),
});
export type Sequenced = Static<typeof Sequenced>;

/** The reply of the test requests that echo their position. */
const Echo = Type.Object({ echo: Type.Integer() });

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** A valid `Sequenced` message about `chatId`. */
export function sequenced(chatId: string, seq: number, type = "test.sequenced"): Sequenced {
  return {
    id: randomUUID(),
    type,
    v: BUS_MESSAGE_VERSION,
    chatId,
    occurredAt: new Date().toISOString(),
    traceparent,
    seq,
  };
}

/** A valid envelope that lacks `seq`, so it fails the `Sequenced` schema. */
function unsequenced(chatId: string): Envelope {
  const { seq: _seq, ...envelope } = sequenced(chatId, 0);
  return envelope;
}

/** A chat id that `partitionOf` routes to `partition`. */
export function chatInPartition(partition: number, partitions: number): string {
  for (;;) {
    const chatId = `chat-${randomUUID()}`;
    if (partitionOf(chatId, partitions) === partition) return chatId;
  }
}

/** Reads dead letters from `source` until `count` have arrived. */
export async function collectDeadLetters(
  bus: InspectableBus,
  source: string,
  count: number,
): Promise<unknown[]> {
  const letters: unknown[] = [];
  await eventually(async () => {
    letters.push(...(await bus.deadLetters(source)));
    return letters.length >= count;
  }, `${count} dead letters from ${source}`);
  return letters;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * The behaviour every `Bus` adapter must show, run against each of them.
 *
 * @example
 * busContract("InProcessBus", async (settings) => {
 *   const bus = new InProcessBus(settings);
 *   return { bus, cleanup: () => bus.close() };
 * });
 */
export function busContract(name: string, makeBus: (settings: BusSettings) => Promise<BusFixture>): void {
  describe(`${name} passes the Bus contract`, () => {
    const partitions = 4;
    const deliveryLimit = 2;
    let logLines: string[];
    let fixture: BusFixture;
    let bus: InspectableBus;

    beforeEach(async () => {
      logLines = [];
      const logger = pino({ level: "warn" }, { write: (line: string) => void logLines.push(line) });
      fixture = await makeBus({ partitions, deliveryLimit, logger });
      bus = fixture.bus;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe("commands", () => {
      test("handles each chat's commands one at a time, in the order sent", async () => {
        const chats = Array.from({ length: 10 }, () => `chat-${randomUUID()}`);
        const received = new Map<string, number[]>(chats.map((chat) => [chat, []]));
        const busyChats = new Set<string>();
        let overlaps = 0;
        let handled = 0;
        await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
          if (busyChats.has(command.chatId)) overlaps++;
          busyChats.add(command.chatId);
          await sleep(Math.random() < 0.2 ? 1 : 0);
          received.get(command.chatId)?.push(command.seq);
          busyChats.delete(command.chatId);
          handled++;
        });

        const commands = Array.from({ length: 20 }, (_, seq) =>
          chats.map((chat) => sequenced(chat, seq)),
        ).flat();
        await Promise.all(commands.map((command) => bus.sendCommand(command)));

        await eventually(() => handled === 200, "200 handled commands");
        const inOrder = Array.from({ length: 20 }, (_, seq) => seq);
        for (const chat of chats) expect(received.get(chat)).toEqual(inOrder);
        expect(overlaps).toBe(0);
      });

      test("chats of one partition are handled alongside: one chat's slow command holds up only that chat", async () => {
        const slow = chatInPartition(0, partitions);
        const quick = chatInPartition(0, partitions);
        const handled: string[] = [];
        let releaseSlow: () => void = () => {};
        const slowMayEnd = new Promise<void>((resolve) => (releaseSlow = resolve));
        await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
          if (command.chatId === slow && command.seq === 0) await slowMayEnd;
          handled.push(`${command.chatId === slow ? "slow" : "quick"} ${command.seq}`);
        });

        await bus.sendCommand(sequenced(slow, 0));
        await bus.sendCommand(sequenced(slow, 1));
        await bus.sendCommand(sequenced(quick, 0));
        await eventually(
          () => handled.includes("quick 0"),
          "the other chat's command, while the slow one waits",
        );
        expect(handled).toEqual(["quick 0"]);
        releaseSlow();
        await eventually(() => handled.length === 3, "the slow chat's commands");
        expect(handled).toEqual(["quick 0", "slow 0", "slow 1"]);
      });

      test("a command whose handler failed is handled again before its chat's later commands", async () => {
        const chatId = `chat-${randomUUID()}`;
        const attempts: string[] = [];
        await bus.consumeCommands<Sequenced>(
          { name: "session", schema: Sequenced },
          async (command, context) => {
            attempts.push(`${command.seq} (delivery ${context.deliveryCount})`);
            if (command.seq === 0 && context.deliveryCount === 1) {
              throw new AppError("UNAVAILABLE", "Redis away", { retryable: true });
            }
          },
        );
        for (const seq of [0, 1, 2]) await bus.sendCommand(sequenced(chatId, seq));

        await eventually(
          () => attempts.filter((attempt) => !attempt.startsWith("0 (delivery 1")).length === 3,
          "the three commands handled",
        );
        const handledOrder = attempts
          .filter((attempt) => attempt !== "0 (delivery 1)")
          .map((attempt) => attempt[0]);
        expect(handledOrder).toEqual(["0", "1", "2"]);
        expect(attempts[0]).toBe("0 (delivery 1)");
      });

      test("a command failing every time is tried up to the delivery limit, dead-lettered, and its chat goes on", async () => {
        const chatId = `chat-${randomUUID()}`;
        const attempts: string[] = [];
        await bus.consumeCommands<Sequenced>(
          { name: "session", schema: Sequenced },
          async (command, context) => {
            attempts.push(`${command.seq}/${context.deliveryCount}`);
            if (command.seq === 0) throw new AppError("UNAVAILABLE", "Redis away", { retryable: true });
          },
        );
        const failing = sequenced(chatId, 0);
        await bus.sendCommand(failing);
        await bus.sendCommand(sequenced(chatId, 1));

        expect(await collectDeadLetters(bus, "session", 1)).toEqual([failing]);
        await eventually(() => attempts.includes("1/1"), "the chat's next command");
        const tries = Array.from({ length: deliveryLimit + 1 }, (_, index) => `0/${index + 1}`);
        expect(attempts).toEqual([...tries, "1/1"]);
      });

      test("keeps commands sent before anyone consumes", async () => {
        const chatId = `chat-${randomUUID()}`;
        for (const seq of [0, 1, 2]) await bus.sendCommand(sequenced(chatId, seq));
        const received: number[] = [];
        await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
          received.push(command.seq);
        });
        await eventually(() => received.length === 3, "three queued commands");
        expect(received).toEqual([0, 1, 2]);
      });

      test("requestCommand answers with the handler's value", async () => {
        await bus.consumeCommands<Sequenced>(
          { name: "session", schema: Sequenced },
          async (command, context) => ({
            doubled: command.seq * 2,
            deliveryCount: context.deliveryCount,
          }),
        );
        const reply = await bus.requestCommand(sequenced(`chat-${randomUUID()}`, 21), {
          replySchema: Type.Object({ doubled: Type.Integer(), deliveryCount: Type.Integer() }),
          timeoutMs: 5_000,
        });
        expect(reply).toEqual({ doubled: 42, deliveryCount: 1 });
      });

      test("requestCommand refuses a reply that fails its schema with UNAVAILABLE", async () => {
        await bus.consumeCommands({ name: "session", schema: Sequenced }, async () => ({ doubled: "many" }));
        const error = await bus
          .requestCommand(sequenced(`chat-${randomUUID()}`, 1), {
            replySchema: Type.Object({ doubled: Type.Integer() }),
            timeoutMs: 5_000,
          })
          .catch((thrown: unknown) => thrown);
        expect(AppError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: false });
        expect(await bus.deadLetters("session")).toEqual([]);
      });

      test("requestCommand rejects with the handler's error rebuilt as an AppError, without redelivery", async () => {
        const chatId = `chat-${randomUUID()}`;
        const calls: number[] = [];
        await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
          calls.push(command.seq);
          if (command.seq === 0) throw new AppError("CHAT_NOT_FOUND", "No chat with this id");
          if (command.seq === 1) throw new Error("a bug, retryable as INTERNAL");
          return "done";
        });

        const notFound = await bus
          .requestCommand(sequenced(chatId, 0), { replySchema: Type.String(), timeoutMs: 5_000 })
          .catch((error: unknown) => error);
        expect(AppError.isInstance(notFound)).toBe(true);
        expect(notFound).toMatchObject({
          code: "CHAT_NOT_FOUND",
          message: "No chat with this id",
          retryable: false,
        });

        const internal = await bus
          .requestCommand(sequenced(chatId, 1), { replySchema: Type.String(), timeoutMs: 5_000 })
          .catch((error: unknown) => error);
        expect(internal).toMatchObject({ code: "INTERNAL", retryable: true });

        // The same chat's next command comes after any redelivery of the earlier ones.
        expect(
          await bus.requestCommand(sequenced(chatId, 2), { replySchema: Type.String(), timeoutMs: 5_000 }),
        ).toBe("done");
        expect(calls).toEqual([0, 1, 2]);
        expect(await bus.deadLetters("session")).toEqual([]);
      });

      test("a non-retryable AppError dead-letters the command at once", async () => {
        const calls: number[] = [];
        await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
          calls.push(command.seq);
          throw new AppError("FORBIDDEN", "Not yours");
        });
        const command = sequenced(`chat-${randomUUID()}`, 7);
        await bus.sendCommand(command);

        const letters = await collectDeadLetters(bus, "session", 1);
        expect(letters).toEqual([command]);
        expect(calls).toEqual([7]);
      });

      test("a command that fails its schema is dead-lettered, logged, and the chat's next command is handled", async () => {
        const chatId = `chat-${randomUUID()}`;
        const received: number[] = [];
        await bus.consumeCommands<Sequenced>(
          { name: "session-schema", schema: Sequenced },
          async (command) => {
            received.push(command.seq);
          },
        );
        const invalid = unsequenced(chatId);
        await bus.sendCommand(invalid);
        await bus.sendCommand(sequenced(chatId, 1));

        await eventually(() => received.length === 1, "the valid command");
        expect(received).toEqual([1]);
        expect(await collectDeadLetters(bus, "session", 1)).toEqual([invalid]);
        const warnings = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40);
        expect(
          warnings.some((entry) => entry.consumer === "session-schema" && /seq/.test(entry.reason)),
        ).toBe(true);
      });
    });

    describe("request/reply", () => {
      test("a served request gets the handler's value", async () => {
        await bus.serve<Sequenced>({ name: "store", schema: Sequenced }, async (request) => ({
          echo: request.seq,
        }));
        expect(await bus.request("store", sequenced("", 5), { replySchema: Echo, timeoutMs: 5_000 })).toEqual(
          {
            echo: 5,
          },
        );
      });

      test("a handler error reaches the requester as an AppError with its code", async () => {
        await bus.serve<Sequenced>({ name: "store", schema: Sequenced }, async () => {
          throw new AppError("EMAIL_TAKEN", "That address is registered");
        });
        const error = await bus
          .request("store", sequenced("", 1), { replySchema: Echo, timeoutMs: 5_000 })
          .catch((thrown: unknown) => thrown);
        expect(AppError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ code: "EMAIL_TAKEN", message: "That address is registered" });
      });

      test("a request nobody answers fails with TIMEOUT", async () => {
        const error = await bus
          .request("nobody-serves-this", sequenced("", 1), { replySchema: Echo, timeoutMs: 150 })
          .catch((thrown: unknown) => thrown);
        expect(AppError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ code: "TIMEOUT", retryable: true });
      });

      test("a reply that fails its schema is refused with UNAVAILABLE, not passed through", async () => {
        await bus.serve({ name: "store", schema: Sequenced }, async (request) => ({
          echo: `${request.seq}`,
        }));
        const error = await bus
          .request("store", sequenced("", 3), { replySchema: Echo, timeoutMs: 5_000 })
          .catch((thrown: unknown) => thrown);
        expect(AppError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: false });
        expect((error as AppError).message).toContain("test.sequenced");
        expect((error as AppError).message).toContain("/echo");
      });

      test("a request that fails the schema is answered VALIDATION_FAILED and dead-lettered", async () => {
        await bus.serve<Sequenced>({ name: "store", schema: Sequenced }, async () => "unreachable");
        const invalid = unsequenced("");
        const error = await bus
          .request("store", invalid, { replySchema: Type.String(), timeoutMs: 5_000 })
          .catch((thrown: unknown) => thrown);
        expect(error).toMatchObject({ code: "VALIDATION_FAILED" });
        expect(await collectDeadLetters(bus, "rpc.store", 1)).toEqual([invalid]);
        expect(
          await bus.request("store", sequenced("", 2), { replySchema: Type.String(), timeoutMs: 5_000 }),
        ).toBe("unreachable");
      });
    });

    describe("work queue", () => {
      test("competing consumers share the work and each message is handled once", async () => {
        const handledBy = new Map<number, string[]>();
        const consume = (worker: string) =>
          bus.consumeWork<Sequenced>(
            "ai.generate",
            { name: "orchestrator", schema: Sequenced, prefetch: 1 },
            async (work) => {
              await sleep(5);
              handledBy.set(work.seq, [...(handledBy.get(work.seq) ?? []), worker]);
            },
          );
        await consume("first");
        await consume("second");
        for (let seq = 0; seq < 20; seq++)
          await bus.enqueueWork("ai.generate", sequenced(`chat-${seq}`, seq));

        await eventually(() => handledBy.size === 20, "20 handled work items");
        await bus.close();
        expect([...handledBy.values()].every((workers) => workers.length === 1)).toBe(true);
        const workers = new Set([...handledBy.values()].flat());
        expect(workers).toEqual(new Set(["first", "second"]));
      });

      test("a consumer has at most `prefetch` messages in flight", async () => {
        let inFlight = 0;
        let mostInFlight = 0;
        let handled = 0;
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => (release = resolve));
        await bus.consumeWork<Sequenced>(
          "ai.generate",
          { name: "orchestrator", schema: Sequenced, prefetch: 3 },
          async () => {
            inFlight++;
            mostInFlight = Math.max(mostInFlight, inFlight);
            await gate;
            inFlight--;
            handled++;
          },
        );
        for (let seq = 0; seq < 10; seq++)
          await bus.enqueueWork("ai.generate", sequenced(`chat-${seq}`, seq));

        await eventually(() => inFlight === 3, "three messages in flight");
        await sleep(50);
        expect(inFlight).toBe(3);
        release();
        await eventually(() => handled === 10, "all work handled");
        expect(mostInFlight).toBe(3);
      });

      test("a failing message is redelivered with a growing deliveryCount, then dead-lettered at the limit", async () => {
        const deliveryCounts: number[] = [];
        await bus.consumeWork<Sequenced>(
          "ai.generate",
          { name: "orchestrator", schema: Sequenced, prefetch: 1 },
          async (_, context) => {
            deliveryCounts.push(context.deliveryCount);
            throw new Error("provider down");
          },
        );
        const work = sequenced(`chat-${randomUUID()}`, 3);
        await bus.enqueueWork("ai.generate", work);

        expect(await collectDeadLetters(bus, "ai.generate", 1)).toEqual([work]);
        // The limit counts redeliveries, as RabbitMQ's x-delivery-limit does.
        expect(deliveryCounts).toEqual(Array.from({ length: deliveryLimit + 1 }, (_, index) => index + 1));
      });
    });

    describe("dead-letter watch", () => {
      test("a watcher gets a copy of each dead letter of its sources, which the dead-letter queue keeps", async () => {
        const seen: DeadLetter[] = [];
        await bus.watchDeadLetters(
          ["ai.generate", "events-watched"],
          { name: "dead-letter-watch" },
          async (letter) => {
            seen.push(letter);
          },
        );
        await bus.consumeWork<Sequenced>(
          "ai.generate",
          { name: "orchestrator", schema: Sequenced, prefetch: 1 },
          async () => {
            throw new AppError("VALIDATION_FAILED", "refused for good", { retryable: false });
          },
        );
        await bus.consumeEvents<Sequenced>(
          ["watch.*"],
          { name: "events-unwatched", schema: Sequenced },
          async () => {},
        );
        await bus.publishEvent("watch.test", unsequenced("chat-unwatched"), { durable: true });
        const work = sequenced(`chat-${randomUUID()}`, 5);
        await bus.enqueueWork("ai.generate", work);

        await eventually(() => seen.length > 0, "the watcher's copy");
        expect(seen).toEqual([{ source: "ai.generate", message: work }]);
        expect(await collectDeadLetters(bus, "ai.generate", 1)).toEqual([work]);
        expect(await collectDeadLetters(bus, "events-unwatched", 1)).toHaveLength(1);
        expect(seen).toHaveLength(1);
      });
    });

    describe("events", () => {
      test("a durable consumer gets the events matching its keys, also those published while it was away", async () => {
        const chatId = `chat-${randomUUID()}`;
        const received: Sequenced[] = [];
        const subscription = await bus.consumeEvents<Sequenced>(
          [`chat.${chatId}.message_complete`],
          { name: "store-events", schema: Sequenced },
          async (event) => void received.push(event),
        );
        await bus.publishEvent(`chat.${chatId}.message_chunk`, sequenced(chatId, 0), { durable: true });
        await bus.publishEvent(`chat.${chatId}.message_complete`, sequenced(chatId, 1), { durable: true });
        await eventually(() => received.length === 1, "the matching event");

        await subscription.close();
        await bus.publishEvent(`chat.${chatId}.message_complete`, sequenced(chatId, 2), { durable: true });
        await bus.consumeEvents<Sequenced>(
          [`chat.${chatId}.message_complete`],
          { name: "store-events", schema: Sequenced },
          async (event) => void received.push(event),
        );
        await eventually(() => received.length === 2, "the event published while away");
        expect(received.map((event) => event.seq)).toEqual([1, 2]);
      });

      test("consumers sharing a name compete: each event is handled once", async () => {
        const handledBy = new Map<number, string[]>();
        const consume = (instance: string) =>
          bus.consumeEvents<Sequenced>(
            ["chat.*.notification"],
            { name: "notifier", schema: Sequenced },
            async (event) => {
              await sleep(5);
              handledBy.set(event.seq, [...(handledBy.get(event.seq) ?? []), instance]);
            },
          );
        await consume("first");
        await consume("second");
        for (let seq = 0; seq < 20; seq++) {
          await bus.publishEvent(`chat.c${seq}.notification`, sequenced(`c${seq}`, seq), { durable: true });
        }

        await eventually(() => handledBy.size === 20, "20 handled events");
        await bus.close();
        expect([...handledBy.values()].every((instances) => instances.length === 1)).toBe(true);
        expect(new Set([...handledBy.values()].flat())).toEqual(new Set(["first", "second"]));
      });

      test("an event stream follows bind and unbind, with `*` and `#` patterns", async () => {
        const received: string[] = [];
        const stream = await bus.openEventStream<Sequenced>(Sequenced, (event, routingKey) => {
          received.push(`${routingKey}#${event.seq}`);
        });
        let sentinel = 0;
        // Events from one publisher arrive in order, so a sentinel shows that earlier ones were not routed.
        const flush = async () => {
          const key = `sentinel.${++sentinel}`;
          await stream.bind(key);
          await bus.publishEvent(key, sequenced("", 0));
          await eventually(() => received.includes(`${key}#0`), key);
          await stream.unbind(key);
          received.splice(received.indexOf(`${key}#0`), 1);
        };

        await stream.bind("chat.c1.*");
        await stream.bind("user.u1.#");
        await bus.publishEvent("chat.c1.message_chunk", sequenced("c1", 1));
        await bus.publishEvent("chat.c1.deep.message_chunk", sequenced("c1", 2));
        await bus.publishEvent("chat.c2.message_chunk", sequenced("c2", 3));
        await bus.publishEvent("user.u1", sequenced("", 4));
        await bus.publishEvent("user.u1.notification", sequenced("", 5));
        await bus.publishEvent("user.u1.a.b", sequenced("", 6));
        await bus.publishEvent("chat.c1.invalid", unsequenced("c1"));
        await flush();
        expect(received).toEqual([
          "chat.c1.message_chunk#1",
          "user.u1#4",
          "user.u1.notification#5",
          "user.u1.a.b#6",
        ]);

        received.length = 0;
        await stream.unbind("chat.c1.*");
        await bus.publishEvent("chat.c1.message_chunk", sequenced("c1", 7));
        await bus.publishEvent("user.u1.notification", sequenced("", 8));
        await flush();
        expect(received).toEqual(["user.u1.notification#8"]);

        received.length = 0;
        await stream.close();
        await bus.publishEvent("user.u1.notification", sequenced("", 9));
        await sleep(50);
        expect(received).toEqual([]);
      });
    });

    test("after close, publishing fails with UNAVAILABLE and pending requests are rejected", async () => {
      const pending = bus
        .request("nobody-serves-this", sequenced("", 1), { replySchema: Echo, timeoutMs: 30_000 })
        .catch((thrown: unknown) => thrown);
      await sleep(20);
      const justSent = bus
        .request("nobody-serves-this-either", sequenced("", 2), { replySchema: Echo, timeoutMs: 30_000 })
        .catch((thrown: unknown) => thrown);
      await bus.close();
      expect(await pending).toMatchObject({ code: "UNAVAILABLE" });
      expect(await justSent).toMatchObject({ code: "UNAVAILABLE" });
      const error = await bus
        .sendCommand(sequenced(`chat-${randomUUID()}`, 0))
        .catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ code: "UNAVAILABLE" });
      expect(await bus.isReady()).toBe(false);
    });
  });
}
