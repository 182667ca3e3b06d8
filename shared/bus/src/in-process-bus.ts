import { AppError, type Envelope, partitionOf } from "@chat/contracts";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
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
import { InProcessEventStream } from "./in-process-event-stream.ts";
import { InProcessQueue, type QueuedMessage } from "./in-process-queue.ts";
import { matchesTopicPattern } from "./matches-topic-pattern.ts";
import { MessageDecoder } from "./message-decoder.ts";
import { readReply } from "./reply.ts";

export type InProcessBusOptions = {
  /** Command partitions; each is handled by one consumer at a time, in order. */
  partitions: number;
  /** Redeliveries allowed before a message is dead-lettered (RabbitMQ's `x-delivery-limit`). */
  deliveryLimit: number;
  logger: Logger;
};

type EventQueue = { queue: InProcessQueue; bindingKeys: Set<string> };

const commandsDestination: Destination = { operation: "send", name: "session" };

/**
 * The bus inside one process, with RabbitMQ's semantics: queues hold messages until someone
 * consumes, a partition has one active consumer, failures redeliver up to the delivery limit and
 * then dead-letter, every delivery is an asynchronous JSON copy.
 *
 * @example
 * const bus = new InProcessBus({ partitions: 8, deliveryLimit: 5, logger });
 * await bus.consumeCommands({ name: "session", schema: ChatCommand }, async (command) => actor.handle(command));
 */
export class InProcessBus implements Bus {
  private readonly partitionQueues: InProcessQueue[];
  private readonly workQueues = new Map<WorkQueueName, InProcessQueue>();
  private readonly eventQueues = new Map<string, EventQueue>();
  private readonly serviceQueues = new Map<string, InProcessQueue>();
  private readonly streams = new Set<Pick<InProcessEventStream<unknown>, "offer" | "close">>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly pendingRequests = new Set<(error: AppError) => void>();
  private readonly deadLettered = new Map<string, string[]>();
  private readonly deadLetterWatches: { sources: Set<string>; queue: InProcessQueue }[] = [];
  private closed = false;

  constructor(private readonly options: InProcessBusOptions) {
    this.partitionQueues = Array.from({ length: options.partitions }, () =>
      this.createQueue("session", { singleActiveConsumer: true }),
    );
  }

  async sendCommand(command: Envelope): Promise<void> {
    this.assertOpen();
    await inProducerSpan("in_process", commandsDestination, command, async (headers) =>
      this.partitionQueueOf(command).enqueue({ body: JSON.stringify(command), deliveryCount: 1, headers }),
    );
  }

  async requestCommand<S extends TSchema>(command: Envelope, options: RequestOptions<S>): Promise<Static<S>> {
    this.assertOpen();
    return this.awaitReply(
      this.partitionQueueOf(command),
      commandsDestination,
      command,
      options,
      `No reply to`,
    );
  }

  async consumeCommands<M extends Envelope, S extends ReplySchemas = ReplySchemas>(
    options: ServeOptions<M, S>,
    handler: Handler<M, ReplyTo<M, S>>,
  ): Promise<Subscription> {
    this.assertOpen();
    const consumer = deliveryConsumer<M>(options, handler, this.options.logger);
    const lanes = new ChatLanes(this.options.deliveryLimit);
    const partitions = this.partitionQueues.map((queue) =>
      queue.addConsumer(consumer, commandConcurrency, lanes),
    );
    return this.track({
      close: async () => void (await Promise.all(partitions.map((each) => each.close()))),
    });
  }

  async enqueueWork(queue: WorkQueueName, message: Envelope): Promise<void> {
    this.assertOpen();
    await inProducerSpan("in_process", { operation: "send", name: queue }, message, async (headers) =>
      this.workQueue(queue).enqueue({ body: JSON.stringify(message), deliveryCount: 1, headers }),
    );
  }

  async consumeWork<M extends Envelope>(
    queue: WorkQueueName,
    options: ConsumerOptions & { prefetch: number },
    handler: Handler<M>,
  ): Promise<Subscription> {
    this.assertOpen();
    const consumer = deliveryConsumer<M>(options, handler, this.options.logger);
    return this.track(this.workQueue(queue).addConsumer(consumer, options.prefetch));
  }

  async publishEvent(routingKey: string, event: Envelope, _options?: PublishOptions): Promise<void> {
    this.assertOpen();
    const destination: Destination = { operation: "publish", name: "chat.events", routingKey };
    await inProducerSpan("in_process", destination, event, async (headers) => {
      const body = JSON.stringify(event);
      for (const { queue, bindingKeys } of this.eventQueues.values()) {
        if ([...bindingKeys].some((key) => matchesTopicPattern(key, routingKey)))
          queue.enqueue({ body, deliveryCount: 1, headers });
      }
      for (const stream of this.streams) stream.offer(routingKey, body);
    });
  }

  async consumeEvents<M extends Envelope>(
    bindingKeys: string[],
    options: ConsumerOptions,
    handler: Handler<M>,
  ): Promise<Subscription> {
    this.assertOpen();
    let eventQueue = this.eventQueues.get(options.name);
    if (!eventQueue) {
      eventQueue = { queue: this.createQueue(options.name), bindingKeys: new Set() };
      this.eventQueues.set(options.name, eventQueue);
    }
    for (const key of bindingKeys) eventQueue.bindingKeys.add(key);
    const consumer = deliveryConsumer<M>(options, handler, this.options.logger);
    return this.track(eventQueue.queue.addConsumer(consumer, 1));
  }

  /** In process no event is ever lost between publisher and stream, so it is never resubscribed. */
  async openEventStream<M extends Envelope>(
    schema: TSchema,
    onEvent: (event: M, routingKey: string) => void,
    _options?: EventStreamOptions,
  ): Promise<EventStream> {
    this.assertOpen();
    const stream: InProcessEventStream<M> = new InProcessEventStream<M>(
      new MessageDecoder<M>(schema),
      onEvent,
      this.options.logger,
      () => this.streams.delete(stream),
    );
    this.streams.add(stream);
    return stream;
  }

  async request<S extends TSchema>(
    service: string,
    message: Envelope,
    options: RequestOptions<S>,
  ): Promise<Static<S>> {
    this.assertOpen();
    return this.awaitReply(
      this.serviceQueue(service),
      { operation: "send", name: requestSource(service) },
      message,
      options,
      `${service} did not answer`,
      { expires: true },
    );
  }

  async serve<M extends Envelope, S extends ReplySchemas = ReplySchemas>(
    options: ServeOptions<M, S>,
    handler: Handler<M, ReplyTo<M, S>>,
  ): Promise<Subscription> {
    this.assertOpen();
    const consumer = deliveryConsumer<M>(options, handler, this.options.logger);
    return this.track(this.serviceQueue(options.name).addConsumer(consumer, serveConcurrency));
  }

  async watchDeadLetters(
    sources: string[],
    options: { name: string },
    handler: Handler<DeadLetter>,
  ): Promise<Subscription> {
    this.assertOpen();
    const queue = this.createQueue(options.name);
    this.deadLetterWatches.push({
      sources: new Set(sources.filter((source) => source !== options.name)),
      queue,
    });
    const consumer = deliveryConsumer<DeadLetter>(
      { name: options.name, schema: InProcessDeadLetter },
      handler,
      this.options.logger,
    );
    return this.track(queue.addConsumer(consumer, 1));
  }

  async isReady(): Promise<boolean> {
    return !this.closed;
  }

  /** Stops every consumer (waiting for handlers in flight) and rejects pending requests with UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const reject of this.pendingRequests) reject(new AppError("UNAVAILABLE", "The bus was closed"));
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await Promise.all([...this.streams].map((stream) => stream.close()));
  }

  /**
   * Takes what was dead-lettered from a source: `session` for commands, `ai.generate` for work,
   * the consumer name for events, `rpc.<name>` for requests. Bodies that are not JSON come back as strings.
   */
  async deadLetters(source: string): Promise<unknown[]> {
    this.assertOpen();
    const bodies = this.deadLettered.get(source) ?? [];
    this.deadLettered.delete(source);
    return bodies.map(parseLoosely);
  }

  private createQueue(source: string, { singleActiveConsumer = false } = {}): InProcessQueue {
    return new InProcessQueue({
      source,
      singleActiveConsumer,
      deliveryLimit: this.options.deliveryLimit,
      deadLetter: (from, body) => {
        const letters = this.deadLettered.get(from) ?? [];
        letters.push(body);
        this.deadLettered.set(from, letters);
        for (const watch of this.deadLetterWatches) {
          if (!watch.sources.has(from)) continue;
          const letter: DeadLetter = { source: from, message: parseLoosely(body) };
          watch.queue.enqueue({ body: JSON.stringify(letter), deliveryCount: 1 });
        }
      },
    });
  }

  private partitionQueueOf(command: Envelope): InProcessQueue {
    const queue = this.partitionQueues[partitionOf(command.chatId, this.options.partitions)];
    if (!queue) throw new AppError("INTERNAL", `No partition for chat ${command.chatId}`);
    return queue;
  }

  private workQueue(name: WorkQueueName): InProcessQueue {
    let queue = this.workQueues.get(name);
    if (!queue) {
      queue = this.createQueue(name);
      this.workQueues.set(name, queue);
    }
    return queue;
  }

  private serviceQueue(service: string): InProcessQueue {
    let queue = this.serviceQueues.get(service);
    if (!queue) {
      queue = this.createQueue(requestSource(service));
      this.serviceQueues.set(service, queue);
    }
    return queue;
  }

  /** Queues `message` and resolves with its reply; `waiting` opens the timeout's message. */
  private awaitReply<S extends TSchema>(
    queue: InProcessQueue,
    destination: Destination,
    message: Envelope,
    { replySchema, timeoutMs }: RequestOptions<S>,
    waiting: string,
    { expires = false } = {},
  ): Promise<Static<S>> {
    return new Promise<Static<S>>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.pendingRequests.delete(fail);
      };
      const fail = (error: AppError) => {
        settle();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new AppError("TIMEOUT", `${waiting} ${message.type} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pendingRequests.add(fail);
      const queued: QueuedMessage = {
        body: JSON.stringify(message),
        deliveryCount: 1,
        reply: (body) => {
          if (!this.pendingRequests.has(fail)) return;
          settle();
          try {
            resolve(readReply(body, replySchema, message.type));
          } catch (error) {
            reject(error);
          }
        },
      };
      if (expires) queued.expiresAt = Date.now() + timeoutMs;
      void inProducerSpan("in_process", destination, message, async (headers) => {
        if (headers) queued.headers = headers;
        queue.enqueue(queued);
      });
    });
  }

  private track(subscription: Subscription): Subscription {
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

/** A dead letter as the in-process bus carries it to a watcher. */
const InProcessDeadLetter = Type.Object({ source: Type.String(), message: Type.Unknown() });

/** The parsed body, or the body itself when it is not JSON. */
function parseLoosely(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
