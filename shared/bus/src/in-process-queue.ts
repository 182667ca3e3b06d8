import type { TraceHeaders } from "@chat/telemetry";
import type { Subscription } from "./bus.ts";
import type { ChatLanes } from "./chat-lanes.ts";
import {
  type Delivery,
  type DeliveryConsumer,
  type DeliveryOutcome,
  handleDelivery,
} from "./handle-delivery.ts";

/** A message waiting in an in-process queue, kept as JSON so no reference is ever shared. */
export type QueuedMessage = {
  body: string;
  deliveryCount: number;
  /** Present when someone waits for the reply; receives the reply as JSON. */
  reply?: (body: string) => void;
  /** Epoch milliseconds after which the message is dead-lettered instead of delivered. */
  expiresAt?: number;
  /** The producer's trace context, when tracing is on. */
  headers?: TraceHeaders;
};

export type InProcessQueueSettings = {
  /** Names the queue's dead letters. */
  source: string;
  /** Like a RabbitMQ single-active-consumer queue: only the first consumer receives. */
  singleActiveConsumer: boolean;
  /** Redeliveries allowed before a message is dead-lettered, like `x-delivery-limit`. */
  deliveryLimit: number;
  deadLetter: (source: string, body: string) => void;
};

type QueueConsumer = {
  consumer: DeliveryConsumer<unknown>;
  prefetch: number;
  /** One chat's messages one at a time, in order, when the prefetch lets several in (commands). */
  lanes?: ChatLanes;
  inFlight: number;
  onIdle?: () => void;
};

/**
 * A queue with RabbitMQ's quorum-queue delivery rules, in memory: messages wait until a consumer
 * has room, consumers compete round-robin within their prefetch, failures are requeued at the head
 * until the delivery limit, then dead-lettered.
 */
export class InProcessQueue {
  private readonly messages: QueuedMessage[] = [];
  private readonly consumers: QueueConsumer[] = [];
  private nextConsumer = 0;

  constructor(private readonly settings: InProcessQueueSettings) {}

  enqueue(message: QueuedMessage): void {
    this.messages.push(message);
    this.dispatch();
  }

  /** Adds a consumer; closing it stops new deliveries and waits for the ones in flight. */
  addConsumer<M>(consumer: DeliveryConsumer<M>, prefetch: number, lanes?: ChatLanes): Subscription {
    const entry: QueueConsumer = {
      consumer: consumer as DeliveryConsumer<unknown>,
      prefetch,
      ...(lanes ? { lanes } : {}),
      inFlight: 0,
    };
    this.consumers.push(entry);
    this.dispatch();
    return {
      close: async () => {
        const index = this.consumers.indexOf(entry);
        if (index === -1) return;
        this.consumers.splice(index, 1);
        if (entry.inFlight > 0) await new Promise<void>((resolve) => (entry.onIdle = resolve));
        this.dispatch();
      },
    };
  }

  private dispatch(): void {
    for (;;) {
      const consumer = this.consumerWithRoom();
      if (!consumer) return;
      const message = this.messages.shift();
      if (!message) return;
      if (message.expiresAt !== undefined && message.expiresAt <= Date.now()) {
        this.settings.deadLetter(this.settings.source, message.body);
        continue;
      }
      consumer.inFlight++;
      setImmediate(() => void this.deliver(consumer, message));
    }
  }

  private consumerWithRoom(): QueueConsumer | undefined {
    const candidates = this.settings.singleActiveConsumer ? this.consumers.slice(0, 1) : this.consumers;
    for (let offset = 0; offset < candidates.length; offset++) {
      const index = (this.nextConsumer + offset) % candidates.length;
      const candidate = candidates[index];
      if (candidate && candidate.inFlight < candidate.prefetch) {
        this.nextConsumer = index + 1;
        return candidate;
      }
    }
    return undefined;
  }

  private async deliver(entry: QueueConsumer, message: QueuedMessage): Promise<void> {
    const delivery: Delivery = {
      body: message.body,
      deliveryCount: message.deliveryCount,
      expectsReply: message.reply !== undefined,
      headers: message.headers,
      system: "in_process",
    };
    const settle = async (outcome: DeliveryOutcome) => this.settle(message, outcome);
    await (entry.lanes
      ? entry.lanes.run(entry.consumer, delivery, settle)
      : handleDelivery(entry.consumer, delivery).then(settle));
    entry.inFlight--;
    if (entry.inFlight === 0) entry.onIdle?.();
    this.dispatch();
  }

  private settle(message: QueuedMessage, outcome: DeliveryOutcome): void {
    if (outcome.reply) message.reply?.(JSON.stringify(outcome.reply));
    if (outcome.settle === "dead-letter") this.settings.deadLetter(this.settings.source, message.body);
    if (outcome.settle === "requeue") {
      if (message.deliveryCount > this.settings.deliveryLimit) {
        this.settings.deadLetter(this.settings.source, message.body);
      } else {
        this.messages.unshift({ ...message, deliveryCount: message.deliveryCount + 1 });
      }
    }
  }
}
