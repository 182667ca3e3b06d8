import type { Channel } from "amqplib";
import { requestSource, type WorkQueueName } from "./bus.ts";

export type RabbitTopologySettings = {
  /** Prefixes every exchange and queue name, so deployments and test runs never share one. */
  prefix: string;
  partitions: number;
  /** Redeliveries allowed before a message is dead-lettered; set as `x-delivery-limit`. */
  deliveryLimit: number;
};

/** The dead-letter source of every command partition. */
export const commandSource = "session";

/**
 * The exchanges and queues of architecture.md §3 under one prefix, declared idempotently on a
 * channel. It remembers what it declared so that `removeAll` can leave the broker clean.
 */
export class RabbitTopology {
  readonly commandsExchange: string;
  readonly eventsExchange: string;
  readonly deadLetterExchange: string;
  private readonly declaredQueues = new Set<string>();
  private readonly declaredExchanges = new Set<string>();

  constructor(private readonly settings: RabbitTopologySettings) {
    this.commandsExchange = `${settings.prefix}.chat.commands`;
    this.eventsExchange = `${settings.prefix}.chat.events`;
    this.deadLetterExchange = `${settings.prefix}.dlx`;
  }

  partitionQueue(partition: number): string {
    return `${this.settings.prefix}.${commandSource}.p${partition}`;
  }

  workQueue(name: WorkQueueName): string {
    return `${this.settings.prefix}.${name}`;
  }

  eventQueue(consumerName: string): string {
    return `${this.settings.prefix}.${consumerName}`;
  }

  serviceQueue(service: string): string {
    return `${this.settings.prefix}.requests.${service}`;
  }
  deadLetterQueue(source: string): string {
    return `${this.settings.prefix}.dlx.${source}`;
  }

  /** The exchanges, every command partition and the work queues: what publishers need to exist. */
  async declareCore(channel: Channel): Promise<void> {
    await this.declareExchange(channel, this.commandsExchange, "direct");
    await this.declareExchange(channel, this.eventsExchange, "topic");
    await this.declareExchange(channel, this.deadLetterExchange, "direct");
    for (let partition = 0; partition < this.settings.partitions; partition++) {
      const queue = this.partitionQueue(partition);
      // One active consumer per partition across all instances keeps a chat's commands in order.
      await this.declareSourceQueue(channel, queue, commandSource, { "x-single-active-consumer": true });
      await channel.bindQueue(queue, this.commandsExchange, queue);
    }
    await this.declareWorkQueue(channel, "ai.generate");
  }

  async declareWorkQueue(channel: Channel, name: WorkQueueName): Promise<string> {
    const queue = this.workQueue(name);
    await this.declareSourceQueue(channel, queue, name);
    return queue;
  }

  async declareEventsExchange(channel: Channel): Promise<void> {
    await this.declareExchange(channel, this.eventsExchange, "topic");
  }

  async declareEventQueue(channel: Channel, consumerName: string, bindingKeys: string[]): Promise<string> {
    const queue = this.eventQueue(consumerName);
    await this.declareEventsExchange(channel);
    await this.declareSourceQueue(channel, queue, consumerName);
    for (const key of bindingKeys) await channel.bindQueue(queue, this.eventsExchange, key);
    return queue;
  }

  /**
   * A classic queue for requests: a request is worth nothing once its caller stopped waiting (it
   * expires then), and its reply can only reach the channel that asked, so it is not kept through
   * a broker restart and needs no Raft log. A classic queue has no `x-delivery-limit`: the expiry
   * bounds instead a request that crashes every consumer, dead-lettered when its caller's timeout passes.
   */
  async declareServiceQueue(channel: Channel, service: string): Promise<string> {
    const queue = this.serviceQueue(service);
    const source = requestSource(service);
    await this.declareDeadLetterQueue(channel, source);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        "x-queue-type": "classic",
        "x-dead-letter-exchange": this.deadLetterExchange,
        "x-dead-letter-routing-key": source,
      },
    });
    this.declaredQueues.add(queue);
    return queue;
  }

  async declareDeadLetterQueue(channel: Channel, source: string): Promise<string> {
    await this.declareExchange(channel, this.deadLetterExchange, "direct");
    const queue = this.deadLetterQueue(source);
    await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    this.declaredQueues.add(queue);
    await channel.bindQueue(queue, this.deadLetterExchange, source);
    return queue;
  }

  /** A durable queue of its own bound to the dead-letter exchange under each source: a copy of each dead letter. */
  async declareDeadLetterWatch(channel: Channel, watcherName: string, sources: string[]): Promise<string> {
    const queue = this.eventQueue(watcherName);
    await this.declareSourceQueue(channel, queue, watcherName);
    for (const source of sources) await channel.bindQueue(queue, this.deadLetterExchange, source);
    return queue;
  }

  /** Deletes every queue and exchange this topology declared. */
  async removeAll(channel: Channel): Promise<void> {
    for (const queue of this.declaredQueues) await channel.deleteQueue(queue);
    for (const exchange of this.declaredExchanges) await channel.deleteExchange(exchange);
    this.declaredQueues.clear();
    this.declaredExchanges.clear();
  }

  /** A durable quorum queue with its delivery limit, dead-lettering to its own queue under `source`. */
  private async declareSourceQueue(
    channel: Channel,
    queue: string,
    source: string,
    extraArguments: Record<string, unknown> = {},
  ): Promise<void> {
    await this.declareDeadLetterQueue(channel, source);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-delivery-limit": this.settings.deliveryLimit,
        "x-dead-letter-exchange": this.deadLetterExchange,
        "x-dead-letter-routing-key": source,
        ...extraArguments,
      },
    });
    this.declaredQueues.add(queue);
  }

  private async declareExchange(channel: Channel, exchange: string, type: "direct" | "topic"): Promise<void> {
    await channel.assertExchange(exchange, type, { durable: true });
    this.declaredExchanges.add(exchange);
  }
}
