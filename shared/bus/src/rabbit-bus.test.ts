import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { Type } from "@sinclair/typebox";
import * as amqplib from "amqplib";
import pino from "pino";
import { rabbitAvailable, rabbitUrl, testNamespace } from "../../../test/support/infrastructure.ts";
import { busContract, chatInPartition, collectDeadLetters, Sequenced, sequenced } from "./bus.contract.ts";
import { eventually } from "./eventually.ts";
import { RabbitBus, type RabbitBusOptions } from "./rabbit-bus.ts";

const partitions = 4;
const silent = pino({ level: process.env.BUS_TEST_LOG ?? "silent" });

function rabbitBus(prefix: string, overrides: Partial<RabbitBusOptions> = {}): RabbitBus {
  return new RabbitBus({
    url: rabbitUrl,
    prefix,
    partitions,
    deliveryLimit: 2,
    logger: silent,
    ...overrides,
  });
}

/** A TCP relay in front of the broker whose connections a test can cut, like a network failure. */
class TcpRelay {
  private readonly sockets = new Set<Socket>();
  accepted = 0;

  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<TcpRelay> {
    const server = createServer();
    const relay = new TcpRelay(server);
    server.on("connection", (client) => {
      relay.accepted++;
      const upstream = tcpConnect({ host: target.hostname, port: Number(target.port) });
      for (const socket of [client, upstream]) {
        relay.sockets.add(socket);
        socket.on("error", () => socket.destroy());
        socket.on("close", () => {
          relay.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return relay;
  }

  get url(): string {
    const url = new URL(rabbitUrl);
    const address = this.server.address();
    url.port = String(typeof address === "object" && address ? address.port : 0);
    return url.toString();
  }

  cutConnections(): number {
    const count = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    return count;
  }

  async close(): Promise<void> {
    this.cutConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe.skipIf(!rabbitAvailable)("RabbitBus", () => {
  busContract("RabbitBus", async (settings) => {
    const bus = new RabbitBus({ url: rabbitUrl, prefix: testNamespace("bus"), ...settings });
    await bus.connect();
    return {
      bus,
      cleanup: async () => {
        await bus.close();
        await bus.removeTopology();
      },
    };
  });

  /** Run after each test, last registered first, even when the test failed or timed out. */
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A bus on the real broker whose topology is removed after the test. */
  const startBus = async (prefix: string, overrides: Partial<RabbitBusOptions> = {}) => {
    const bus = rabbitBus(prefix, overrides);
    cleanups.push(async () => {
      await bus.close();
      await bus.removeTopology();
    });
    await bus.connect();
    return bus;
  };

  test("bytes that are not JSON, put straight on a partition queue, are dead-lettered and the partition keeps serving", async () => {
    const prefix = testNamespace("raw");
    const bus = await startBus(prefix);
    const connection = await amqplib.connect(rabbitUrl);
    cleanups.push(() => connection.close());
    const received: number[] = [];
    await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      received.push(command.seq);
    });
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(`${prefix}.session.p0`, Buffer.from("{not json"), { persistent: true });
    await channel.waitForConfirms();
    await bus.sendCommand(sequenced(chatInPartition(0, partitions), 1));

    await eventually(() => received.length === 1, "the valid command");
    expect(received).toEqual([1]);
    expect(await collectDeadLetters(bus, "session", 1)).toEqual(["{not json"]);
  });

  test("a request waits on requests.<service> as a transient message that expires with its caller's timeout, then is dead-lettered under rpc.<service>", async () => {
    const prefix = testNamespace("requests");
    const bus = await startBus(prefix);
    const connection = await amqplib.connect(rabbitUrl);
    cleanups.push(() => connection.close());
    const request = (id: string, timeoutMs: number) =>
      bus.request("store", { ...sequenced("chat-1", 1), id }, { replySchema: Type.Unknown(), timeoutMs });

    const taken = request("taken", 2_000);
    taken.catch(() => {});
    let waiting: amqplib.GetMessage | false = false;
    await eventually(async () => {
      // The queue is declared as the request leaves: until then a get closes its channel.
      const channel = await connection.createChannel();
      channel.on("error", () => {});
      waiting = await channel.get(`${prefix}.requests.store`, { noAck: true }).catch(() => false as const);
      await channel.close().catch(() => {});
      return waiting !== false;
    }, "the request on its queue");
    const { properties } = waiting as unknown as amqplib.GetMessage;
    expect(properties.deliveryMode).not.toBe(2);
    expect(properties.expiration).toBe("2000");
    await expect(taken).rejects.toMatchObject({ code: "TIMEOUT" });

    await expect(request("expired", 300)).rejects.toMatchObject({ code: "TIMEOUT" });
    const [letter] = await collectDeadLetters(bus, "rpc.store", 1);
    expect(letter).toMatchObject({ id: "expired" });
  });

  test("with tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT) no trace header travels, and one that arrives is ignored", async () => {
    const prefix = testNamespace("untraced");
    const bus = await startBus(prefix);
    const connection = await amqplib.connect(rabbitUrl);
    cleanups.push(() => connection.close());
    const channel = await connection.createConfirmChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(queue, `${prefix}.chat.events`, "chat.#");
    const headers: unknown[] = [];
    await channel.consume(queue, (message) => message && headers.push(message.properties.headers), {
      noAck: true,
    });
    const chatId = chatInPartition(0, partitions);
    await bus.publishEvent(`chat.${chatId}.test`, sequenced(chatId, 1));
    await eventually(() => headers.length === 1, "the published event");
    expect(headers[0] ?? {}).not.toHaveProperty("traceparent");
    expect(headers[0] ?? {}).not.toHaveProperty("tracestate");

    // A traced producer's command, with a well-formed and a malformed header: handled all the same.
    const received: number[] = [];
    await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      received.push(command.seq);
    });
    const traceparents = ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-zz-not-hex-01"];
    for (const [seq, traceparent] of traceparents.entries()) {
      channel.sendToQueue(`${prefix}.session.p0`, Buffer.from(JSON.stringify(sequenced(chatId, seq))), {
        persistent: true,
        headers: { traceparent },
      });
    }
    await channel.waitForConfirms();
    await eventually(() => received.length === 2, "both commands");
    expect(received).toEqual([0, 1]);
    expect(await bus.deadLetters("session")).toEqual([]);
  });

  test("after the connection drops, it reconnects: commands, requests and event streams flow again", async () => {
    const relay = await TcpRelay.start(new URL(rabbitUrl));
    cleanups.push(() => relay.close());
    const bus = await startBus(testNamespace("reconnect"), { url: relay.url, reconnectDelayMs: 100 });
    const chatId = chatInPartition(1, partitions);
    const received: number[] = [];
    await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      received.push(command.seq);
      return command.seq;
    });
    const streamed: number[] = [];
    let resubscribed = 0;
    const stream = await bus.openEventStream<Sequenced>(Sequenced, (event) => void streamed.push(event.seq), {
      onResubscribed: () => resubscribed++,
    });
    await stream.bind(`chat.${chatId}.*`);
    await bus.sendCommand(sequenced(chatId, 0));
    await eventually(() => received.length === 1, "the command before the drop");
    expect(resubscribed).toBe(0);

    expect(relay.cutConnections()).toBeGreaterThan(0);
    await eventually(() => relay.accepted >= 2, "a new connection");
    await eventually(() => bus.isReady(), "the bus to be ready again");

    await bus.sendCommand(sequenced(chatId, 1));
    await eventually(() => received.includes(1), "the command after the drop");
    // Delivery is at least once: an ack lost with the connection redelivers command 0, never after 1.
    expect([...new Set(received)]).toEqual([0, 1]);
    expect(received.lastIndexOf(0)).toBeLessThan(received.indexOf(1));
    expect(
      await bus.requestCommand(sequenced(chatId, 2), { replySchema: Type.Integer(), timeoutMs: 5_000 }),
    ).toBe(2);
    // The stream's queue died with the connection; its bindings were declared again on a new one.
    await bus.publishEvent(`chat.${chatId}.message_chunk`, sequenced(chatId, 3));
    await eventually(() => streamed.includes(3), "a streamed event after the drop");
    // The stream said so: whatever was published while it had no queue never reached it.
    expect(resubscribed).toBe(1);
  });

  test("a consumer whose queue an operator deleted declares it again and keeps consuming", async () => {
    const prefix = testNamespace("cancel");
    const bus = await startBus(prefix);
    const connection = await amqplib.connect(rabbitUrl);
    cleanups.push(() => connection.close());
    const received: number[] = [];
    await bus.consumeWork<Sequenced>(
      "ai.generate",
      { name: "orchestrator", schema: Sequenced, prefetch: 1 },
      async (work) => {
        received.push(work.seq);
      },
    );
    const queue = `${prefix}.ai.generate`;
    await (await connection.createChannel()).deleteQueue(queue);
    await eventually(async () => {
      const channel = await connection.createChannel();
      channel.on("error", () => {});
      const consumers = await channel.checkQueue(queue).then(
        (found) => found.consumerCount,
        () => 0,
      );
      await channel.close().catch(() => {});
      return consumers === 1;
    }, "the queue declared and consumed again");

    await bus.enqueueWork("ai.generate", sequenced("chat-after-delete", 1));
    await eventually(() => received.includes(1), "work on the declared-again queue");
  });

  test("a channel the broker closed over an error is restored", async () => {
    const prefix = testNamespace("channel-error");
    const bus = await startBus(prefix, { reconnectDelayMs: 100 });
    const connection = await amqplib.connect(rabbitUrl);
    cleanups.push(() => connection.close());
    const received: number[] = [];
    await bus.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      received.push(command.seq);
    });
    await (await connection.createChannel()).deleteExchange(`${prefix}.chat.commands`);

    // Publishing to the deleted exchange makes the broker close the publisher's channel.
    const chatId = chatInPartition(2, partitions);
    const outcome = await bus.sendCommand(sequenced(chatId, 0)).then(
      () => "confirmed",
      (error: unknown) => error,
    );
    // Unconfirmed, the publish either fails with UNAVAILABLE or is sent again on the new channel.
    if (outcome !== "confirmed") expect(outcome).toMatchObject({ code: "UNAVAILABLE" });
    let seq = 0;
    await eventually(async () => {
      await bus.sendCommand(sequenced(chatId, ++seq)).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return received.length > 0;
    }, "commands to flow again");
  });

  test("one instance at a time handles a partition; another takes over when it closes", async () => {
    const prefix = testNamespace("sac");
    const first = await startBus(prefix);
    const second = await startBus(prefix);
    const handledBy = { first: [] as number[], second: [] as number[] };
    await first.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      handledBy.first.push(command.seq);
    });
    await second.consumeCommands<Sequenced>({ name: "session", schema: Sequenced }, async (command) => {
      handledBy.second.push(command.seq);
    });
    const chats = [0, 1, 2, 3].map((partition) => chatInPartition(partition, partitions));

    for (const [seq, chat] of chats.entries()) await second.sendCommand(sequenced(chat, seq));
    await eventually(() => handledBy.first.length === 4, "the active instance's commands");
    await first.close();
    for (const [seq, chat] of chats.entries()) await second.sendCommand(sequenced(chat, seq + 4));
    await eventually(() => handledBy.second.length === 4, "the commands after the hand-over");

    expect(handledBy.first.sort()).toEqual([0, 1, 2, 3]);
    expect(handledBy.second.sort()).toEqual([4, 5, 6, 7]);
  });
});
