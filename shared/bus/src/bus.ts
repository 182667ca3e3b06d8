import type { Envelope } from "@chat/contracts";
import type { Static, TSchema } from "@sinclair/typebox";

/** What a handler learns about the delivery it is handling. */
export type DeliveryContext = {
  /** 1 on the first delivery, 2 on the first redelivery, and so on. */
  deliveryCount: number;
  /**
   * Aborted once this delivery can no longer be settled (the channel that carried it closed, as
   * when the broker connection is cut): the broker hands the message to a consumer again, so the
   * handler should stop and leave nothing more behind. Absent where that cannot happen.
   */
  signal?: AbortSignal;
  /** The routing key the message came with (for a dead letter, its source), where the adapter knows it. */
  routingKey?: string;
};

/** The dead-letter source, and the name in traces, of a service's requests: `rpc.<service>`. */
export function requestSource(service: string): string {
  return `rpc.${service}`;
}

/** A copy of a message that a queue gave up on (delivery limit reached, or refused for good). */
export type DeadLetter = {
  /** The queue's dead-letter source: `session`, `ai.generate`, a consumer's name, `rpc.<service>`. */
  source: string;
  /** The message as it was, parsed when it was JSON. */
  message: unknown;
};

/**
 * A handler's result: for a request or a command sent with `requestCommand`, the reply value.
 * Throwing an AppError with `retryable: false` answers the requester with that error (or, when
 * nobody waits for a reply, dead-letters the message); any other error redelivers the message
 * until the queue's delivery limit, then dead-letters it.
 */
export type Handler<M, R = unknown> = (message: M, context: DeliveryContext) => Promise<R>;

/** Reply schemas by message `type`, as the contracts declare them (`storeReplySchemas`, …). */
export type ReplySchemas = Record<string, TSchema>;

/** The reply a handler owes for message `M`: the reply schema of its `type`, or unknown without one. */
export type ReplyTo<M, S extends ReplySchemas> = M extends { type: infer T }
  ? T extends keyof S
    ? Static<S[T]>
    : unknown
  : unknown;

/** How to wait for a reply: the schema it must pass, and for how long. */
export type RequestOptions<S extends TSchema> = {
  /** A reply that fails it rejects with UNAVAILABLE (not retryable) instead of reaching the caller. */
  replySchema: S;
  timeoutMs: number;
};

/**
 * A consumer that answers: the schema of its messages and, to type the handler's replies, the
 * reply schema of each message type (requesters check replies against the same schemas).
 */
export type ServeOptions<M, S extends ReplySchemas> = {
  name: string;
  schema: TSchema & { static: M };
  replySchemas?: S;
};

export type Subscription = { close(): Promise<void> };

/** A live, per-instance event feed whose bindings follow the clients an instance serves. */
export interface EventStream {
  /** Starts receiving events whose routing key matches `pattern` (`chat.<id>.*`, `user.<id>.*`). */
  bind(pattern: string): Promise<void>;
  unbind(pattern: string): Promise<void>;
  close(): Promise<void>;
}

export type EventStreamOptions = {
  /**
   * The stream was bound again on a new queue: events of the time between are missing. Runs
   * before the first event of the new queue is delivered.
   */
  onResubscribed?: () => void;
};

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
 * await bus.consumeCommands(
 *   { name: "session", schema: ChatCommand, replySchemas: chatCommandReplySchemas },
 *   (command) => actor.handle(command),
 * );
 * const reply = await bus.requestCommand(command, { replySchema: CancelReply, timeoutMs: 5_000 });
 */
export interface Bus {
  /** Sends a command to the partition of its `chatId`; resolves when the broker has confirmed it. */
  sendCommand(command: Envelope): Promise<void>;
  /**
   * Sends a command and waits for the handler's reply, checked against `replySchema`; rejects with
   * the handler's AppError, TIMEOUT, or UNAVAILABLE when the reply fails its schema.
   */
  requestCommand<S extends TSchema>(command: Envelope, options: RequestOptions<S>): Promise<Static<S>>;
  /**
   * Consumes every command partition. Per partition one consumer is active across all instances,
   * and a chat's commands are handled one at a time, in order.
   */
  consumeCommands<M extends Envelope, S extends ReplySchemas = ReplySchemas>(
    options: ServeOptions<M, S>,
    handler: Handler<M, ReplyTo<M, S>>,
  ): Promise<Subscription>;

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
   * several bindings, e.g. `chat.<id>.*` and `user.<id>.*`). `onResubscribed` runs each time the
   * stream is bound again after its queue was lost (a broker restart, a cut connection, a closed
   * channel): events published meanwhile never reached it, so listeners must repair or resume.
   */
  openEventStream<M extends Envelope>(
    schema: TSchema,
    onEvent: (event: M, routingKey: string) => void,
    options?: EventStreamOptions,
  ): Promise<EventStream>;

  /**
   * Sends a request to a service and waits for its reply, checked against `replySchema`; rejects
   * with the handler's AppError, TIMEOUT, or UNAVAILABLE when the reply fails its schema.
   */
  request<S extends TSchema>(
    service: string,
    message: Envelope,
    options: RequestOptions<S>,
  ): Promise<Static<S>>;
  /** Answers the requests addressed to `options.name`. */
  serve<M extends Envelope, S extends ReplySchemas = ReplySchemas>(
    options: ServeOptions<M, S>,
    handler: Handler<M, ReplyTo<M, S>>,
  ): Promise<Subscription>;

  /**
   * A durable queue named `options.name` that gets a copy of every message dead-lettered from
   * `sources`; the dead-letter queues keep theirs. For alerting: what was given up on, and where.
   * A source equal to `options.name` is left out, so a failing watcher cannot feed itself.
   */
  watchDeadLetters(
    sources: string[],
    options: { name: string },
    handler: Handler<DeadLetter>,
  ): Promise<Subscription>;

  /** True when the bus can carry messages now. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
