import type { AmqpConnectionManager, ChannelWrapper } from "amqp-connection-manager";
import type { Channel, ConsumeMessage } from "amqplib";
import type { Subscription } from "./bus.ts";
import type { ChatLanes } from "./chat-lanes.ts";
import {
  type Delivery,
  type DeliveryConsumer,
  type DeliveryOutcome,
  handleDelivery,
} from "./handle-delivery.ts";
import type { Reply } from "./reply.ts";

export type RabbitConsumerSettings<M> = {
  connection: AmqpConnectionManager;
  consumer: DeliveryConsumer<M>;
  /** Unacknowledged deliveries per queue consumed (RabbitMQ prefetch, per consumer). */
  prefetch: number;
  /** One chat's deliveries one at a time, in order, when the prefetch lets several in (commands). */
  lanes?: ChatLanes;
  /** Declares the queues to consume, on every (re)connection; returns their names. */
  declare: (channel: Channel) => Promise<string[]>;
  sendReply: (replyTo: string, correlationId: string | undefined, reply: Reply) => Promise<void>;
  /** Called when the broker closes the channel over an error, which no reconnect would notice. */
  onChannelError: (error: Error, channelName: string) => void;
};

/**
 * Consumes one or more queues on a channel of its own. The channel's setup declares the queues and
 * starts consuming, so a reconnect restores both; each delivery is settled on the very channel that
 * delivered it, since a delivery tag means nothing on any other.
 */
export class RabbitConsumer<M> implements Subscription {
  private readonly wrapper: ChannelWrapper;
  private readonly inFlight = new Set<Promise<void>>();
  private active?: { channel: Channel; consumerTags: Map<string, string> };
  private closing = false;
  private readonly started: Promise<void>;

  /** Starts consuming; resolves once the queues are declared and consumed for the first time. */
  static async start<M>(settings: RabbitConsumerSettings<M>): Promise<RabbitConsumer<M>> {
    const consumer = new RabbitConsumer(settings);
    try {
      await consumer.started;
    } catch (error) {
      await consumer.close();
      throw error;
    }
    return consumer;
  }

  private constructor(private readonly settings: RabbitConsumerSettings<M>) {
    let markStarted: () => void = () => {};
    let failStart: (error: unknown) => void = () => {};
    this.started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      failStart = reject;
    });
    this.setup = async (channel: Channel) => {
      try {
        await this.consumeOn(channel);
        markStarted();
      } catch (error) {
        failStart(error);
        throw error;
      }
    };
    this.wrapper = settings.connection.createChannel({
      name: settings.consumer.name,
      confirm: false,
      setup: this.setup,
    });
    this.wrapper.on("error", (error: unknown) =>
      settings.consumer.logger.error(
        { err: error, consumer: settings.consumer.name },
        "Consumer channel setup failed",
      ),
    );
  }

  private readonly setup: (channel: Channel) => Promise<void>;

  /** Stops consuming, waits for the handlers in flight to settle, then closes the channel. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.wrapper.removeSetup(this.setup);
    const active = this.active;
    if (active) {
      await Promise.all(
        [...active.consumerTags.values()].map((tag) => active.channel.cancel(tag).catch(() => undefined)),
      );
    }
    await Promise.allSettled([...this.inFlight]);
    await this.wrapper.close();
  }

  private async consumeOn(channel: Channel): Promise<void> {
    if (this.closing) return;
    const { consumer } = this.settings;
    channel.on("error", (error: Error) => this.settings.onChannelError(error, consumer.name));
    // Deliveries of a closed channel cannot be settled any more: the broker delivers them again.
    const channelOpen = new AbortController();
    channel.once("close", () => {
      if (this.active?.channel === channel) this.active = undefined;
      channelOpen.abort(new Error("The channel that carried this delivery closed"));
    });
    const queues = await this.settings.declare(channel);
    await channel.prefetch(this.settings.prefetch);
    const consumerTags = new Map<string, string>();
    for (const queue of queues) {
      consumerTags.set(queue, await this.consumeQueue(channel, queue, channelOpen.signal));
    }
    this.active = { channel, consumerTags };
    consumer.logger.debug({ consumer: consumer.name, queues }, "Consuming");
  }

  private async consumeQueue(channel: Channel, queue: string, channelOpen: AbortSignal): Promise<string> {
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (!message) {
        void this.resume(channel, queue, channelOpen);
        return;
      }
      const handling = this.handle(channel, message, channelOpen);
      this.inFlight.add(handling);
      void handling.finally(() => this.inFlight.delete(handling));
    });
    return consumerTag;
  }

  /** The broker cancelled a consumer (its queue was deleted, say): declare the queues again and go on. */
  private async resume(channel: Channel, queue: string, channelOpen: AbortSignal): Promise<void> {
    const { consumer } = this.settings;
    const active = this.active;
    if (this.closing || active?.channel !== channel) return;
    consumer.logger.warn(
      { consumer: consumer.name, queue },
      "The broker cancelled a consumer; consuming again",
    );
    try {
      await this.settings.declare(channel);
      active.consumerTags.set(queue, await this.consumeQueue(channel, queue, channelOpen));
    } catch (error) {
      consumer.logger.error({ err: error, consumer: consumer.name, queue }, "Could not consume again");
    }
  }

  private handle(channel: Channel, message: ConsumeMessage, channelOpen: AbortSignal): Promise<void> {
    const { consumer, lanes } = this.settings;
    const { replyTo, correlationId, headers } = message.properties;
    // Quorum queues count earlier deliveries in this header; a classic queue only flags a redelivery.
    const redeliveries = Number(headers?.["x-delivery-count"] ?? (message.fields.redelivered ? 1 : 0));
    const delivery: Delivery = {
      body: message.content.toString("utf8"),
      deliveryCount: 1 + redeliveries,
      expectsReply: typeof replyTo === "string" && replyTo.length > 0,
      signal: channelOpen,
      routingKey: message.fields.routingKey,
      headers,
      system: "rabbitmq",
    };
    const settle = async (outcome: DeliveryOutcome) => {
      try {
        if (outcome.reply && typeof replyTo === "string") {
          await this.settings.sendReply(replyTo, correlationId, outcome.reply);
        }
        if (outcome.settle === "ack") channel.ack(message);
        else channel.nack(message, false, outcome.settle === "requeue");
      } catch (error) {
        consumer.logger.warn(
          { err: error, consumer: consumer.name },
          "Could not settle a delivery; the broker will redeliver it",
        );
      }
    };
    return lanes ? lanes.run(consumer, delivery, settle) : handleDelivery(consumer, delivery).then(settle);
  }
}
