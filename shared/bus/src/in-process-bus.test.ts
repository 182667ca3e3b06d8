import { describe, expect, test } from "bun:test";
import pino from "pino";
import { busContract, chatInPartition, Sequenced, sequenced } from "./bus.contract.ts";
import { eventually } from "./eventually.ts";
import { InProcessBus } from "./in-process-bus.ts";

busContract("InProcessBus", async (settings) => {
  const bus = new InProcessBus(settings);
  return { bus, cleanup: () => bus.close() };
});

describe("InProcessBus", () => {
  test("one consumer at a time handles a partition; the next takes over when it closes", async () => {
    const bus = new InProcessBus({ partitions: 4, deliveryLimit: 2, logger: pino({ level: "silent" }) });
    const handledBy = { first: [] as number[], second: [] as number[] };
    const first = await bus.consumeCommands<Sequenced>(
      { name: "session", schema: Sequenced },
      async (command) => {
        handledBy.first.push(command.seq);
      },
    );
    await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      handledBy.second.push(command.seq);
    });
    const chats = [0, 1, 2, 3].map((partition) => chatInPartition(partition, 4));

    for (const [seq, chat] of chats.entries()) await bus.sendCommand(sequenced(chat, seq));
    await eventually(() => handledBy.first.length === 4, "the first consumer's commands");
    await first.close();
    for (const [seq, chat] of chats.entries()) await bus.sendCommand(sequenced(chat, seq + 4));
    await eventually(() => handledBy.second.length === 4, "the second consumer's commands");

    expect(handledBy.first.sort()).toEqual([0, 1, 2, 3]);
    expect(handledBy.second.sort()).toEqual([4, 5, 6, 7]);
    await bus.close();
  });

  test("a handler never sees the publisher's object, only a copy", async () => {
    const bus = new InProcessBus({ partitions: 4, deliveryLimit: 2, logger: pino({ level: "silent" }) });
    const command = sequenced("chat-copy", 1);
    let received: Sequenced | undefined;
    await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (delivered) => {
      received = delivered;
    });
    await bus.sendCommand(command);
    command.seq = 99;
    await eventually(() => received !== undefined, "the command");
    expect(received?.seq).toBe(1);
    expect(received).not.toBe(command);
    await bus.close();
  });
});
