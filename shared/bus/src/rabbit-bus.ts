import { randomUUID } from "node:crypto";
import { AppError, type Envelope, partitionOf } from "@chat/contracts";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import amqpConnectionManager, {
  type AmqpConnectionManager,
  type ChannelWrapper,
} from "amqp-connection-manager";
import type { Channel, ConsumeMessage, Options } from "amqplib";
import * as amqplib from "amqplib";
import type { Logger } from "pino";
import type {
  Bus,
  ConsumerOptions,
  DeadLetter,
  EventStream,
  EventStreamOptions,
  Handler,
  PublishOptions,
  ReplySchemas,
  ReplyTo,
  RequestOptions,
  ServeOptions,
  Subscription,
  WorkQueueName,
} from "./bus.ts";
import { requestSource } from "./bus.ts";
import { type Destination, inProducerSpan } from "./bus-tracing.ts";
import { ChatLanes } from "./chat-lanes.ts";
import { commandConcurrency, deliveryConsumer, serveConcurrency } from "./handle-delivery.ts";
import { MessageDecoder } from "./message-decoder.ts";
import { RabbitConsumer } from "./rabbit-consumer.ts";
import { RabbitEventStream } from "./rabbit-event-stream.ts";
import { RabbitTopology } from "./rabbit-topology.ts";
import { type Reply, readReply } from "./reply.ts";

export type RabbitBusOptions = {
  /** `amqp://user:password@host:5672/vhost`. */
  url: string;
  /** Prefixes every exchange and queue name (`chat` in production, a test namespace in tests). */
  prefix: string;
  /** Command partitions (`session.p0` … `session.p{P-1}`); every instance must agree. */
  partitions: number;
  /** Redeliveries allowed before a message is dead-lettered; every instance must agree. */
  deliveryLimit: number;
  logger: Logger;
  /** Wait between reconnection attempts. Default 1000 ms. */
  reconnectDelayMs?: number;
  /** A publish not confirmed within this time fails with UNAVAILABLE. Default 10 000 ms. */
  publishTimeoutMs?: number;
};

const directReplyTo = "amq.rabbitmq.reply-to";
const commandsDestination: Destination = { operation: "send", name: "session" };
const eventsDestination = "chat.events";

type PendingReply = { answer: (body: string) => void; fail: (error: AppError) => void };

/**
 * The bus over RabbitMQ (architecture.md §3): commands on partition queues with a single active
 * consumer (one chat's commands one at a time, in order; other chats' alongside), a quorum work
 * queue, a topic exchange for events, request/reply over direct reply-to.
 * Every publish waits for the broker's confirm; channels re-declare their topology on reconnect.
 *
 * @example
 * const bus = new RabbitBus({ url, prefix: "chat", partitions: 16, deliveryLimit: 5, logger });
 * await bus.consumeCommands({ name: "session", schema: ChatCommand }, async (command) => actor.handle(command));
 */
export class RabbitBus implements Bus {
  private readonly topology: RabbitTopology;
  private readonly connection: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private requester?: ChannelWrapper;
  private readonly declaredServices = new Map<string, Promise<void>>();
  private readonly pendingReplies = new Map<string, PendingReply>();
  private readonly subscriptions = new Set<Subscription>();
  private scheduledReconnect?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(private readonly options: RabbitBusOptions) {
    this.topology = new RabbitTopology(options);
    this.connection = amqpConnectionManager.connect([options.url], {
      reconnectTimeInSeconds: (options.reconnectDelayMs ?? 1_000) / 1_000,
      connectionOptions: { clientProperties: { connection_name: `${options.prefix} bus` } },
    });
    this.connection.on("disconnect", ({ err }: { err?: Error }) => {
      if (!this.closed) options.logger.warn({ err }, "Lost the RabbitMQ connection; reconnecting");
    });
    this.connection.on("connectFailed", ({ err }: { err: Error }) =>
      options.logger.warn({ err }, "Could not connect to RabbitMQ; retrying"),
    );
    this.publisher = this.openConfirmChannel("publisher", (channel) => this.topology.declareCore(channel));
  }

  /**
   * Resolves once connected with the core topology declared; fails with UNAVAILABLE after
   * `timeoutMs` (the connection keeps retrying in the background either way).
   */
  async connect(timeoutMs = 30_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError("UNAVAILABLE", `RabbitMQ not reachable within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.publisher.waitForConnect(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  sendCommand(command: Envelope): Promise<void> {
    return this.publish(
      this.publisher,
      this.topology.commandsExchange,
      this.partitionQueueOf(command),
      command,
      { persistent: true },
      commandsDestination,
    );
  }

  requestCommand<S extends TSchema>(command: Envelope, options: RequestOptions<S>): Promise<Static<S>> {
    const requester = this.requesterChannel();
    return this.awaitReply(command, options, "No reply to", (correlationId) =>
      this.publish(
        requester,
        this.topology.commandsExchange,
        this.partitionQueueOf(command),
        command,
        { persistent: true, replyTo: directReplyTo, correlationId },
        commandsDestination,
      ),
    );
  }

  consumeCommands<M extends Envelope, S extends ReplySchemas = ReplySchemas>(
    options: ServeOptions<M, S>,
    handler: Handler<M, ReplyTo<M, S>>,
  ): Promise<Subscription> {
    const partitions = Array.from({ length: this.options.partitions }, (_, partition) =>
      this.topology.partitionQueue(partition),
    );
    // A chat's next command waits until the previous one is settled; other chats' go alongside.
    return this.consume(
      options,
      handler,
      commandConcurrency,
      async (channel) => {
        await this.topology.declareCore(channel);
        return partitions;
      },
      new ChatLanes(this.options.deliveryLimit),
    );
  }

  enqueueWork(queue: WorkQueueName, message: Envelope): Promise<void> {
    return this.publish(
      this.publisher,
      "",
      this.topology.workQueue(queue),
      message,
      { persistent: true },
      { operation: "send", name: queue },
    );
  }

  consumeWork<M extends Envelope>(
    queue: WorkQueueName,
    options: ConsumerOptions & { prefetch: number },
    handler: Handler<M>,
  ): Promise<Subscription> {
    return this.consume(options, handler, options.prefetch, async (channel) => [
      await this.topology.declareWorkQueue(channel, queue),
    ]);
  }

  publishEvent(routingKey: string, event: Envelope, options: PublishOptions = {}): Promise<void> {
    return this.publish(
      this.publisher,
      this.topology.eventsExchange,
      routingKey,
      event,
      { persistent: options.durable ?? false },
      { operation: "publish", name: eventsDestination, routingKey },
    );
  }

  consumeEvents<M extends Envelope>(
    bindingKeys: string[],
    options: ConsumerOptions,
    handler: Handler<M>,
  ): Promise<Subscription> {
    return this.consume(options, handler, 1, async (channel) => [
      await this.topology.declareEventQueue(channel, options.name, bindingKeys),
    ]);
  }

  async openEventStream<M extends Envelope>(
    schema: TSchema,
    onEvent: (event: M, routingKey: string) => void,
    options: EventStreamOptions = {},
  ): Promise<EventStream> {
    this.assertOpen();
    const stream = await RabbitEventStream.open<M>({
      connection: this.connection,
      topology: this.topology,
      decoder: new MessageDecoder<M>(schema),
      onEvent,
      onResubscribed: options.onResubscribed,
      logger: this.options.logger,
      onChannelError: this.onChannelError,
    });
    this.subscriptions.add(stream);
    return {
      bind: (pattern) => stream.bind(pattern),
      unbind: (pattern) => stream.unbind(pattern),
      close: async () => {
        this.subscriptions.delete(stream);
        await stream.close();
      },
    };
  }

  async request<S extends TSchema>(
    service: string,
    message: Envelope,
    options: RequestOptions<S>,
  ): Promise<Static<S>> {
    this.assertOpen();
    await this.declareService(service);
    const requester = this.requesterChannel();
    const { timeoutMs } = options;
    return this.awaitReply(message, options, `${service} did not answer`, (correlationId) =>
      this.publish(
        requester,
        "",
        this.topology.serviceQueue(service),
        message,
        {
          persistent: false,
          replyTo: directReplyTo,
          correlationId,
          // Nobody waits for the answer after the timeout: the broker dead-letters the stale request.
          expiration: String(timeoutMs),
        },
        { operation: "send", name: requestSource(service) },
      ),
    );
  }

  serve<M extends Envelope, S extends ReplySchemas = ReplySchemas>(
    options: ServeOptions<M, S>,
    handler: Handler<M, ReplyTo<M, S>>,
  ): Promise<Subscription> {
    return this.consume(options, handler, serveConcurrency, async (channel) => [
      await this.topology.declareServiceQueue(channel, options.name),
    ]);
  }

  watchDeadLetters(
    sources: string[],
    options: { name: string },
    handler: Handler<DeadLetter>,
  ): Promise<Subscription> {
    const watched = sources.filter((source) => source !== options.name);
    // Any JSON passes: a dead letter is often a message that failed its own schema.
    return this.consume<Envelope>(
      { name: options.name, schema: Type.Unknown() },
      (message, context) => handler({ source: context.routingKey ?? "", message }, context),
      1,
      (channel) =>
        this.topology.declareDeadLetterWatch(channel, options.name, watched).then((queue) => [queue]),
    );
  }

  async isReady(): Promise<boolean> {
    return !this.closed && this.connection.isConnected();
  }

  /**
   * Cancels every consumer (waiting for handlers in flight), rejects pending requests with
   * UNAVAILABLE, then closes the channels and the connection.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.scheduledReconnect);
    for (const pending of this.pendingReplies.values())
      pending.fail(new AppError("UNAVAILABLE", "The bus was closed"));
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.connection.close();
  }

  /**
   * Takes (and acknowledges) what was dead-lettered from a source: `session` for commands,
   * `ai.generate` for work, the consumer name for events, `rpc.<name>` for requests.
   * Bodies that are not JSON come back as strings.
   */
  async deadLetters(source: string): Promise<unknown[]> {
    this.assertOpen();
    await this.publisher.waitForConnect();
    const model = this.connection.connection;
    if (!model) throw new AppError("UNAVAILABLE", "Not connected to RabbitMQ");
    const channel = await model.createChannel();
    channel.on("error", (error: Error) =>
      this.options.logger.warn({ err: error }, "Reading dead letters failed"),
    );
    try {
      const queue = await this.topology.declareDeadLetterQueue(channel, source);
      const letters: unknown[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) return letters;
        letters.push(parseLoosely(message.content.toString("utf8")));
      }
    } finally {
      await channel.close();
    }
  }

  /** Deletes every queue and exchange this bus declared; works after `close()`. */
  async removeTopology(): Promise<void> {
    const model = await amqplib.connect(this.options.url);
    try {
      const channel = await model.createChannel();
      channel.on("error", (error: Error) =>
        this.options.logger.warn({ err: error }, "Removing the topology failed"),
      );
      await this.topology.removeAll(channel);
    } finally {
      await model.close();
    }
  }

  private async consume<M extends Envelope>(
    options: ConsumerOptions,
    handler: Handler<M>,
    prefetch: number,
    declare: (channel: Channel) => Promise<string[]>,
    lanes?: ChatLanes,
  ): Promise<Subscription> {
    this.assertOpen();
    const consumer = deliveryConsumer<M>(options, handler, this.options.logger);
    const subscription = await RabbitConsumer.start({
      connection: this.connection,
      consumer,
      prefetch,
      ...(lanes ? { lanes } : {}),
      declare,
      sendReply: (replyTo, correlationId, reply) => this.sendReply(replyTo, correlationId, reply),
      onChannelError: this.onChannelError,
    });
    return this.track(subscription);
  }

  private async sendReply(replyTo: string, correlationId: string | undefined, reply: Reply): Promise<void> {
    await this.publisher.publish("", replyTo, Buffer.from(JSON.stringify(reply)), {
      contentType: "application/json",
      correlationId,
    });
  }

  /**
   * Publishes at once (so calls keep their order) and resolves when the broker confirms; the
   * trace context, when tracing is on, travels in the `traceparent` and `tracestate` headers.
   */
  private async publish(
    channel: ChannelWrapper,
    exchange: string,
    routingKey: string,
    message: Envelope,
    properties: Options.Publish,
    destination: Destination,
  ): Promise<void> {
    this.assertOpen();
    try {
      await inProducerSpan("rabbitmq", destination, message, (headers) =>
        channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(message)), {
          contentType: "application/json",
          messageId: message.id,
          type: message.type,
          timeout: this.options.publishTimeoutMs ?? 10_000,
          ...properties,
          ...(headers ? { headers } : {}),
        }),
      );
    } catch (error) {
      throw new AppError(
        "UNAVAILABLE",
        `RabbitMQ did not confirm ${message.type} to ${exchange || routingKey}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Sends `message` with `send` and resolves with its reply; `waiting` opens the timeout's message. */
  private awaitReply<S extends TSchema>(
    message: Envelope,
    { replySchema, timeoutMs }: RequestOptions<S>,
    waiting: string,
    send: (correlationId: string) => Promise<void>,
  ): Promise<Static<S>> {
    this.assertOpen();
    const correlationId = randomUUID();
    return new Promise<Static<S>>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.pendingReplies.delete(correlationId);
      };
      const timer = setTimeout(() => {
        settle();
        // Without a broker the request never left: the service is unavailable, not slow.
        reject(
          this.connection.isConnected()
            ? new AppError("TIMEOUT", `${waiting} ${message.type} within ${timeoutMs} ms`)
            : new AppError(
                "UNAVAILABLE",
                `The message broker is unreachable: ${message.type} was not answered`,
                {
                  retryable: true,
                },
              ),
        );
      }, timeoutMs);
      const pending: PendingReply = {
        answer: (body) => {
          settle();
          try {
            resolve(readReply(body, replySchema, message.type));
          } catch (error) {
            reject(error);
          }
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      this.pendingReplies.set(correlationId, pending);
      send(correlationId).catch((error: unknown) => pending.fail(AppError.from(error)));
    });
  }

  /** The channel that sends requests: direct reply-to answers only on the channel that asked. */
  private requesterChannel(): ChannelWrapper {
    this.requester ??= this.openConfirmChannel("requester", async (channel) => {
      await channel.consume(directReplyTo, (message) => message && this.receiveReply(message), {
        noAck: true,
      });
    });
    return this.requester;
  }

  private receiveReply(message: ConsumeMessage): void {
    const correlationId = message.properties.correlationId;
    const pending = typeof correlationId === "string" ? this.pendingReplies.get(correlationId) : undefined;
    // A reply that arrives after its timeout finds nobody waiting.
    pending?.answer(message.content.toString("utf8"));
  }

  private declareService(service: string): Promise<void> {
    let declared = this.declaredServices.get(service);
    if (!declared) {
      declared = this.publisher
        .addSetup(async (channel: Channel) => {
          await this.topology.declareServiceQueue(channel, service);
        })
        .catch((error: unknown) => {
          this.declaredServices.delete(service);
          throw new AppError("UNAVAILABLE", `Could not declare the ${service} queue`, { cause: error });
        });
      this.declaredServices.set(service, declared);
    }
    return declared;
  }

  private openConfirmChannel(name: string, setup: (channel: Channel) => Promise<void>): ChannelWrapper {
    const wrapper = this.connection.createChannel({
      name,
      confirm: true,
      setup: async (channel: Channel) => {
        channel.on("error", (error: Error) => this.onChannelError(error, name));
        await setup(channel);
      },
    });
    wrapper.on("error", (error: unknown) =>
      this.options.logger.error({ err: error, channel: name }, "RabbitMQ channel setup failed"),
    );
    return wrapper;
  }

  /**
   * A channel the broker closed over an error (a deleted exchange, say) stays closed while the
   * connection lives, and its wrapper would wait for a reconnect forever: reconnect, after the
   * usual delay so that a lasting fault cannot spin.
   */
  private readonly onChannelError = (error: Error, channelName: string): void => {
    this.options.logger.error(
      { err: error, channel: channelName },
      "RabbitMQ closed a channel; reconnecting",
    );
    if (this.closed || this.scheduledReconnect) return;
    this.scheduledReconnect = setTimeout(() => {
      this.scheduledReconnect = undefined;
      if (!this.closed) this.connection.reconnect();
    }, this.options.reconnectDelayMs ?? 1_000);
  };

  private partitionQueueOf(command: Envelope): string {
    return this.topology.partitionQueue(partitionOf(command.chatId, this.options.partitions));
  }

  private track<S extends Subscription>(subscription: S): Subscription {
    this.subscriptions.add(subscription);
    return {
      close: async () => {
        this.subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError("UNAVAILABLE", "The bus is closed");
  }
}

function parseLoosely(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
