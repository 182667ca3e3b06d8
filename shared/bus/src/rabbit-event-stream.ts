import type { AmqpConnectionManager, ChannelWrapper } from "amqp-connection-manager";
import type { Channel, ConsumeMessage } from "amqplib";
import type { Logger } from "pino";
import type { EventStream } from "./bus.ts";
import type { MessageDecoder } from "./message-decoder.ts";
import type { RabbitTopology } from "./rabbit-topology.ts";

export type RabbitEventStreamSettings<M> = {
  connection: AmqpConnectionManager;
  topology: RabbitTopology;
  decoder: MessageDecoder<M>;
  onEvent: (event: M, routingKey: string) => void;
  logger: Logger;
  /** Called after each setup but the first: the stream is bound again on a new queue. */
  onResubscribed?: () => void;
  /** Called when the broker closes the channel over an error, which no reconnect would notice. */
  onChannelError: (error: Error, channelName: string) => void;
};

/**
 * An instance's own feed of events: a server-named, exclusive, auto-delete queue whose bindings
 * follow `bind`/`unbind`. The broker deletes the queue with the connection, so every reconnect
 * declares a new one and binds the current patterns again.
 */
export class RabbitEventStream<M> implements EventStream {
  private readonly patterns = new Set<string>();
  private readonly wrapper: ChannelWrapper;
  private current?: { channel: Channel; queue: string };
  private setups = 0;

  /** Opens the stream; resolves once its queue exists. */
  static async open<M>(settings: RabbitEventStreamSettings<M>): Promise<RabbitEventStream<M>> {
    const stream = new RabbitEventStream(settings);
    await stream.wrapper.waitForConnect();
    return stream;
  }

  private constructor(private readonly settings: RabbitEventStreamSettings<M>) {
    this.wrapper = settings.connection.createChannel({
      name: "event-stream",
      confirm: false,
      setup: this.setup,
    });
    this.wrapper.on("error", (error: unknown) =>
      settings.logger.error({ err: error }, "Event stream channel setup failed"),
    );
  }

  /** Resolves once events matching `pattern` reach this stream. */
  async bind(pattern: string): Promise<void> {
    this.patterns.add(pattern);
    await this.onCurrentQueue((current) =>
      current.channel.bindQueue(current.queue, this.settings.topology.eventsExchange, pattern),
    );
  }

  async unbind(pattern: string): Promise<void> {
    this.patterns.delete(pattern);
    await this.onCurrentQueue((current) =>
      current.channel.unbindQueue(current.queue, this.settings.topology.eventsExchange, pattern),
    );
  }

  async close(): Promise<void> {
    this.patterns.clear();
    await this.wrapper.removeSetup(this.setup);
    await this.wrapper.close();
  }

  private readonly setup = async (channel: Channel): Promise<void> => {
    channel.on("error", (error: Error) => this.settings.onChannelError(error, "event-stream"));
    await this.settings.topology.declareEventsExchange(channel);
    const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true, durable: false });
    channel.once("close", () => {
      if (this.current?.channel === channel) this.current = undefined;
    });
    // A pattern bound while this loop runs is visited too: Set iteration includes later additions.
    for (const pattern of this.patterns) {
      await channel.bindQueue(queue, this.settings.topology.eventsExchange, pattern);
    }
    this.current = { channel, queue };
    // The queue of the previous setup went with its channel, and what was published between the
    // two never reached either. Listeners hear of it before the first event of the new queue, which
    // waits in the queue until the consumer starts.
    if (this.setups++ > 0) this.notifyResubscribed();
    await channel.consume(queue, (message) => message && this.receive(message), { noAck: true });
  };

  private notifyResubscribed(): void {
    try {
      this.settings.onResubscribed?.();
    } catch (error) {
      this.settings.logger.error({ err: error }, "An event stream's resubscription listener threw");
    }
  }

  /** Runs a binding change now, or, while reconnecting, leaves it to the next setup. */
  private async onCurrentQueue(change: (current: { channel: Channel; queue: string }) => Promise<unknown>) {
    const current = this.current;
    if (!current) return this.wrapper.waitForConnect();
    try {
      await change(current);
    } catch (error) {
      if (this.current === current) throw error;
      await this.wrapper.waitForConnect();
    }
  }

  private receive(message: ConsumeMessage): void {
    const decoded = this.settings.decoder.decode(message.content.toString("utf8"));
    if (!decoded.ok) {
      this.settings.logger.warn(
        { routingKey: message.fields.routingKey, reason: decoded.reason },
        "Dropped a streamed event that failed to decode",
      );
      return;
    }
    try {
      this.settings.onEvent(decoded.message, message.fields.routingKey);
    } catch (error) {
      this.settings.logger.error(
        { err: error, routingKey: message.fields.routingKey },
        "An event stream listener threw",
      );
    }
  }
}
