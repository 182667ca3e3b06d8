import type { Logger } from "pino";

/** What a registry listens through: a key is attached while one listener wants it. */
export type ListenerSource = {
  attach(key: string): Promise<void>;
  detach(key: string): Promise<void>;
};

/**
 * Listeners by key (a chat, a user), attached to their source while at least one listens; attach
 * and detach of one key run in order, so a quick leave-and-return never ends detached. A listener
 * that throws is logged and does not keep the others from hearing.
 */
export class ListenerRegistry<Args extends unknown[]> {
  private readonly listeners = new Map<string, Set<(...args: Args) => void>>();
  private readonly gapHandlers = new Map<(...args: Args) => void, () => void>();
  private readonly changes = new Map<string, Promise<void>>();

  constructor(
    private readonly source: ListenerSource,
    private readonly logger: Logger,
  ) {}

  /** Keys with at least one listener. */
  get size(): number {
    return this.listeners.size;
  }

  get listenerCount(): number {
    return this.gapHandlers.size;
  }

  async add(key: string, listener: (...args: Args) => void, onGap: () => void): Promise<() => Promise<void>> {
    this.gapHandlers.set(listener, onGap);
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    const remove = async () => {
      this.gapHandlers.delete(listener);
      const current = this.listeners.get(key);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(key);
      await this.change(key, "detach");
    };
    try {
      if (set.size === 1) await this.change(key, "attach");
      else await this.changes.get(key);
    } catch (error) {
      // Not attached: a listener left behind would make the next one think the key is attached.
      await remove().catch(() => {});
      throw error;
    }
    return remove;
  }

  dispatch(key: string, ...args: Args): void {
    const listeners = this.listeners.get(key);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error({ err: error, key }, "a live event listener threw");
      }
    }
  }

  /** Tells every listener that events may have been missed. */
  reportGap(): void {
    for (const onGap of [...this.gapHandlers.values()]) {
      try {
        onGap();
      } catch (error) {
        this.logger.error({ err: error }, "a stream's gap repair threw");
      }
    }
  }

  clear(): void {
    this.listeners.clear();
    this.gapHandlers.clear();
  }

  private change(key: string, change: "attach" | "detach"): Promise<void> {
    const previous = this.changes.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.source[change](key));
    this.changes.set(key, next);
    void next
      .finally(() => {
        if (this.changes.get(key) === next) this.changes.delete(key);
      })
      .catch((error) => this.logger.error({ err: error, key, change }, "live event source change failed"));
    return next;
  }
}
