import type { Bus, EventStream, StoreClient } from "@chat/bus";
import { ChatActivity, type ConsoleChat, chatActivityKey } from "@chat/contracts";
import type { Logger } from "@chat/runtime";

/** Who follows the console's live list on this gateway: a console's SSE stream. */
export type ConsoleListener = {
  /** The conversation's row as it is now (created or changed). */
  onChat(chat: ConsoleChat): void;
  onDeleted(chatId: string): void;
  /** Activity may have been missed (the bus queue was bound again): reload. */
  onGap(): void;
};

type PendingChange = { change: ChatActivity["change"]; traceparent: string };

/**
 * The live feed of the support console on one gateway: one bus event stream bound to every chat's
 * `chat_activity` (which the store publishes after each write), open while a console follows it.
 * Changes of one chat within `coalesceMs` are read once from the store and sent to every listener
 * as the chat's row, so a streaming conversation costs one read per interval however many consoles
 * are open. No polling: nothing is read unless the store wrote something.
 *
 * @example
 * const stop = await feed.follow({ onChat: (row) => send("chat", row), onDeleted, onGap });
 */
export class ConsoleActivityFeed {
  private readonly listeners = new Set<ConsoleListener>();
  private readonly pending = new Map<string, PendingChange>();
  private stream: Promise<EventStream> | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly dependencies: {
      bus: Pick<Bus, "openEventStream">;
      store: Pick<StoreClient, "call">;
      logger: Logger;
      coalesceMs?: number;
      now?: () => Date;
    },
  ) {}

  /** Hears every conversation's changes from now on; resolves once the stream is bound. */
  async follow(listener: ConsoleListener): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    try {
      this.stream ??= this.open();
      await this.stream;
    } catch (error) {
      this.listeners.delete(listener);
      this.stream = null;
      throw error;
    }
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0 || !this.stream) return;
      const stream = this.stream;
      this.stream = null;
      await (await stream).close();
    };
  }

  private async open(): Promise<EventStream> {
    const stream = await this.dependencies.bus.openEventStream<ChatActivity>(
      ChatActivity,
      (activity) => this.receive(activity),
      { onResubscribed: () => this.forEachListener((listener) => listener.onGap()) },
    );
    await stream.bind(chatActivityKey("*"));
    return stream;
  }

  private receive(activity: ChatActivity): void {
    const earlier = this.pending.get(activity.chatId);
    this.pending.set(activity.chatId, {
      change: earlier?.change === "deleted" ? "deleted" : activity.change,
      traceparent: activity.traceparent,
    });
    this.flushTimer ??= setTimeout(() => void this.flush(), this.dependencies.coalesceMs ?? 100);
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    const changes = [...this.pending];
    this.pending.clear();
    if (this.listeners.size === 0) return;
    await Promise.all(
      changes.map(async ([chatId, { change, traceparent }]) => {
        if (change === "deleted") return this.forEachListener((listener) => listener.onDeleted(chatId));
        try {
          const now = (this.dependencies.now?.() ?? new Date()).toISOString();
          const row = await this.dependencies.store.call(
            "store.get_console_row",
            { chatId, now },
            traceparent,
          );
          this.forEachListener((listener) => (row ? listener.onChat(row) : listener.onDeleted(chatId)));
        } catch (error) {
          this.dependencies.logger.warn({ err: error, chatId }, "console row not read");
        }
      }),
    );
  }

  private forEachListener(send: (listener: ConsoleListener) => void): void {
    for (const listener of this.listeners) {
      try {
        send(listener);
      } catch (error) {
        this.dependencies.logger.warn({ err: error }, "console listener failed");
      }
    }
  }
}
