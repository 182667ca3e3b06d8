import type { Logger } from "pino";
import type { EventStream } from "./bus.ts";
import { matchesTopicPattern } from "./matches-topic-pattern.ts";
import type { MessageDecoder } from "./message-decoder.ts";

/** An in-process event stream: receives the events whose routing key matches one of its patterns. */
export class InProcessEventStream<M> implements EventStream {
  private readonly patterns = new Set<string>();
  private closed = false;

  constructor(
    private readonly decoder: MessageDecoder<M>,
    private readonly onEvent: (event: M, routingKey: string) => void,
    private readonly logger: Logger,
    private readonly onClose: () => void,
  ) {}

  async bind(pattern: string): Promise<void> {
    this.patterns.add(pattern);
  }

  async unbind(pattern: string): Promise<void> {
    this.patterns.delete(pattern);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.patterns.clear();
    this.onClose();
  }

  /** Routes an event to this stream if a pattern matches; it arrives asynchronously, as a copy. */
  offer(routingKey: string, body: string): void {
    if (![...this.patterns].some((pattern) => matchesTopicPattern(pattern, routingKey))) return;
    setImmediate(() => {
      if (this.closed) return;
      const decoded = this.decoder.decode(body);
      if (!decoded.ok) {
        this.logger.warn(
          { routingKey, reason: decoded.reason },
          "Dropped a streamed event that failed to decode",
        );
        return;
      }
      try {
        this.onEvent(decoded.message, routingKey);
      } catch (error) {
        this.logger.error({ err: error, routingKey }, "An event stream listener threw");
      }
    });
  }
}
