import { type ChatCommandClient, deleteListedChats, type StoreClient } from "@chat/bus";
import { traceparentFrom } from "@chat/runtime";
import type { Logger } from "pino";
import { RepeatingSweep } from "./repeating-sweep.ts";

/** Idle chats listed per round. */
const chatsPerRound = 100;
/** Chats deleted per sweep at most, so one sweep never holds the bus for long; the next goes on. */
const chatsPerSweep = 1_000;
const dayMs = 24 * 60 * 60 * 1_000;

/**
 * Deletes chats nobody wrote in for `retentionDays` (CHAT_RETENTION_DAYS; 0 keeps them forever):
 * at start and then every `intervalMs`, the store lists the longest idle chats of every user and
 * each goes through its actor's `delete_chat`, exactly as a user's delete does (messages, files,
 * replay log and actor state). Several session instances may sweep at once: a chat deleted by
 * another is CHAT_NOT_FOUND here and skipped.
 *
 * @example
 * const retention = new ChatRetention({ commands, store, logger }, { retentionDays: 90, intervalMs: 3_600_000 });
 * retention.start();
 */
export class ChatRetention {
  private readonly repeating: RepeatingSweep;

  constructor(
    private readonly dependencies: {
      commands: Pick<ChatCommandClient, "delete">;
      store: StoreClient;
      logger: Logger;
    },
    private readonly options: { retentionDays: number; intervalMs: number; now?: () => Date },
  ) {
    this.repeating = new RepeatingSweep(() => this.sweep(), {
      intervalMs: options.intervalMs,
      logger: dependencies.logger,
      done: "chats past their retention deleted",
      failed: "chat retention sweep failed",
    });
  }

  start(): void {
    if (this.options.retentionDays > 0) this.repeating.start();
  }

  stop(): Promise<void> {
    return this.repeating.stop();
  }

  /** One sweep: deletes chats idle past the retention, up to `chatsPerSweep`; answers how many. */
  async sweep(): Promise<number> {
    const traceparent = traceparentFrom(null);
    const now = this.options.now?.() ?? new Date();
    const before = new Date(now.getTime() - this.options.retentionDays * dayMs).toISOString();
    return deleteListedChats(
      () =>
        this.dependencies.store.call(
          "store.list_inactive_chats",
          { before, limit: chatsPerRound },
          traceparent,
        ),
      (chat) => this.dependencies.commands.delete(chat, traceparent),
      { pageSize: chatsPerRound, atMost: chatsPerSweep },
    );
  }
}
