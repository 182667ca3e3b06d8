import type { Bus, EventStream } from "@chat/bus";
import { ChatEventMessage } from "@chat/contracts";
import type { Logger } from "pino";

export type LiveEventListener = (event: ChatEventMessage) => void;

/** `chat.<id>.` or `user.<id>.`: a scope word, an id without dots, and the dot after it. */
const scopePrefix = /^[a-z]+\.[^.*#]+\.$/;

/**
 * What a listener does when the instance's event queue was lost and bound again (a broker restart,
 * a cut connection): the events published meanwhile never arrived, so it repairs its stream from
 * the replay log or closes it for the client to resume.
 */
export type LiveEventGapHandler = () => void;

/**
 * Fans the gateway instance's one exclusive event queue out to its connections. A routing
 * pattern is bound while at least one connection listens to it; bind and unbind of one pattern
 * run in order, so a quick leave-and-return never ends unbound. When the queue was lost and bound
 * again, every listener hears of the gap.
 */
export class LiveEventHub {
  private readonly listeners = new Map<string, Set<LiveEventListener>>();
  private readonly gapHandlers = new Map<LiveEventListener, LiveEventGapHandler>();
  private readonly bindingChanges = new Map<string, Promise<void>>();

  private constructor(
    private readonly stream: { current: EventStream | null },
    private readonly logger: Logger,
  ) {}

  static async open(bus: Bus, logger: Logger): Promise<LiveEventHub> {
    const holder: { current: EventStream | null } = { current: null };
    const hub = new LiveEventHub(holder, logger);
    holder.current = await bus.openEventStream<ChatEventMessage>(
      ChatEventMessage,
      (event, routingKey) => hub.dispatch(event, routingKey),
      { onResubscribed: () => hub.reportGap() },
    );
    return hub;
  }

  /**
   * Listens to every event whose routing key starts with `prefix`: `chat.<id>.` or `user.<id>.`,
   * the key's first two words, which is what lets each event find its listeners in one lookup.
   * `onGap` runs when events may have been missed (see `LiveEventGapHandler`).
   */
  async subscribe(
    prefix: string,
    listener: LiveEventListener,
    onGap: LiveEventGapHandler,
  ): Promise<() => Promise<void>> {
    if (!scopePrefix.test(prefix)) throw new RangeError(`Not a <scope>.<id>. prefix: ${prefix}`);
    this.gapHandlers.set(listener, onGap);
    let set = this.listeners.get(prefix);
    if (!set) {
      set = new Set();
      this.listeners.set(prefix, set);
    }
    set.add(listener);
    if (set.size === 1) await this.changeBinding(prefix, "bind");
    else await this.bindingChanges.get(prefix);
    return async () => {
      this.gapHandlers.delete(listener);
      const current = this.listeners.get(prefix);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(prefix);
      await this.changeBinding(prefix, "unbind");
    };
  }

  get connectionPatterns(): number {
    return this.listeners.size;
  }

  close(): Promise<void> {
    this.listeners.clear();
    this.gapHandlers.clear();
    return this.stream.current?.close() ?? Promise.resolve();
  }

  private changeBinding(prefix: string, change: "bind" | "unbind"): Promise<void> {
    const stream = this.stream.current;
    if (!stream) return Promise.resolve();
    const previous = this.bindingChanges.get(prefix) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(() => (change === "bind" ? stream.bind(`${prefix}*`) : stream.unbind(`${prefix}*`)));
    this.bindingChanges.set(prefix, next);
    void next
      .finally(() => {
        if (this.bindingChanges.get(prefix) === next) this.bindingChanges.delete(prefix);
      })
      .catch((error) => this.logger.error({ err: error, prefix, change }, "event binding change failed"));
    return next;
  }

  private reportGap(): void {
    this.logger.warn({ listeners: this.gapHandlers.size }, "event queue bound again: repairing open streams");
    for (const onGap of [...this.gapHandlers.values()]) {
      try {
        onGap();
      } catch (error) {
        this.logger.error({ err: error }, "a stream's gap repair threw");
      }
    }
  }

  private dispatch(event: ChatEventMessage, routingKey: string): void {
    const idEnd = routingKey.indexOf(".", routingKey.indexOf(".") + 1);
    if (idEnd < 0) return;
    const listeners = this.listeners.get(routingKey.slice(0, idEnd + 1));
    if (listeners) for (const listener of listeners) listener(event);
  }
}
