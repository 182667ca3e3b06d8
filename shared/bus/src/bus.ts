import type { Envelope } from "@chat/contracts";
import type { TSchema } from "@sinclair/typebox";

/** What a handler learns about the delivery it is handling. */
export type DeliveryContext = {
  /** 1 on the first delivery, 2 on the first redelivery, and so on. */
  deliveryCount: number;
};

/**
 * A handler's result: for a request or a command sent with `requestCommand`, the reply value.
 * Throwing an AppError with `retryable: false` answers the requester with that error (or, when
 * nobody waits for a reply, dead-letters the message); any other error redelivers the message
 * until the queue's delivery limit, then dead-letters it.
 */
export type Handler<M> = (message: M, context: DeliveryContext) => Promise<unknown>;

export type Subscription = { close(): Promise<void> };

/** A live, per-instance event feed whose bindings follow the clients an instance serves. */
export interface EventStream {
  /** Starts receiving events whose routing key matches `pattern` (`chat.<id>.*`, `user.<id>.*`). */
  bind(pattern: string): Promise<void>;
  unbind(pattern: string): Promise<void>;
  close(): Promise<void>;
}

export type ConsumerOptions = {
  /** Names the consumer in logs and its dead-letter queue; also the durable queue's name. */
  name: string;
  /** The schema every message must pass; a message that fails it is dead-lettered. */
  schema: TSchema;
};

export type WorkQueueName = "ai.generate";

export type PublishOptions = {
  /** Survives a broker restart and is confirmed; for events that durable consumers must see. */
  durable?: boolean;
};

/**
 * The bus port: per-chat commands, work queues, topic events and request/reply.
 * Adapters: RabbitMQ (`RabbitBus`) and in-process (`InProcessBus`), one contract suite.
 *
 * @example
 * await bus.consumeCommands({ name: "session", schema: ChatCommand }, async (command) => actor.handle(command));
 * const reply = await bus.requestCommand(command, 5_000);
 */
export interface Bus {
  /** Sends a command to the partition of its `chatId`; resolves when the broker has confirmed it. */
  sendCommand(command: Envelope): Promise<void>;
  /** Sends a command and waits for the handler's reply; rejects with the handler's AppError or TIMEOUT. */
  requestCommand<R>(command: Envelope, timeoutMs: number): Promise<R>;
  /**
   * Consumes every command partition. Per partition one consumer is active across all instances,
   * and a chat's commands are handled one at a time, in order.
   */
  consumeCommands<M extends Envelope>(options: ConsumerOptions, handler: Handler<M>): Promise<Subscription>;

  /** Puts a message on a work queue; resolves when confirmed. */
  enqueueWork(queue: WorkQueueName, message: Envelope): Promise<void>;
  /** Competing consumers; at most `prefetch` messages in flight on this instance; acked when handled. */
  consumeWork<M extends Envelope>(
    queue: WorkQueueName,
    options: ConsumerOptions & { prefetch: number },
    handler: Handler<M>,
  ): Promise<Subscription>;

  /** Publishes an event on the topic exchange with the given routing key. */
  publishEvent(routingKey: string, event: Envelope, options?: PublishOptions): Promise<void>;
  /** A durable queue named `options.name`, bound to `bindingKeys`; instances of one service compete. */
  consumeEvents<M extends Envelope>(
    bindingKeys: string[],
    options: ConsumerOptions,
    handler: Handler<M>,
  ): Promise<Subscription>;
  /**
   * An exclusive queue of this instance; messages that fail `schema` are dropped and logged.
   * `onEvent` also gets the routing key the event was published with (one event may match
   * several bindings, e.g. `chat.<id>.*` and `user.<id>.*`).
   */
  openEventStream<M extends Envelope>(
    schema: TSchema,
    onEvent: (event: M, routingKey: string) => void,
  ): Promise<EventStream>;

  /** Sends a request to a service and waits for its reply. */
  request<R>(service: string, message: Envelope, timeoutMs: number): Promise<R>;
  /** Answers the requests addressed to `options.name`. */
  serve<M extends Envelope>(options: ConsumerOptions, handler: Handler<M>): Promise<Subscription>;

  /** True when the bus can carry messages now. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
