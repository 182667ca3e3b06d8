import type { StoreClient } from "@chat/bus";
import type { AnswerDraft } from "@chat/contracts";
import type { Logger } from "pino";

/**
 * Checkpoints one answer's text to the store while it is written: once when it starts, then at
 * most every `intervalMs`, one save at a time (a save still under way lets the next tick pass). A
 * failed save is logged and the answer goes on: the checkpoint is a safety net, not the answer.
 *
 * @example
 * const checkpoints = new AnswerCheckpoints(store, draft, { intervalMs: 1_000, now, logger });
 * checkpoints.offer(textSoFar); // after each piece of text
 * await checkpoints.close(); // once the answer is reported finished
 */
export class AnswerCheckpoints {
  private saving: Promise<void> | null = null;
  private lastSavedAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly store: StoreClient,
    private readonly draft: Omit<AnswerDraft, "content" | "updatedAt">,
    private readonly options: { intervalMs: number; now: () => Date; logger: Logger; traceparent: string },
  ) {}

  /**
   * Saves the empty draft of an answer starting over and tells whether it may: false when the
   * answer was already written or deleted meanwhile (ended as interrupted, regenerated, its chat
   * deleted), so a redelivered request does not write it a second time.
   */
  async begin(): Promise<boolean> {
    const { saved } = await this.save("");
    return saved;
  }

  /** The text so far; saved when the last save is old enough and none is under way. */
  offer(content: string): void {
    const now = this.options.now().getTime();
    if (this.closed || this.saving || now - this.lastSavedAt < this.options.intervalMs) return;
    this.saving = this.save(content)
      .then(
        () => {},
        (error: unknown) => this.options.logger.warn({ err: error }, "answer checkpoint not saved"),
      )
      .finally(() => {
        this.saving = null;
      });
  }

  private save(content: string) {
    const now = this.options.now();
    this.lastSavedAt = now.getTime();
    const draft: AnswerDraft = { ...this.draft, content, updatedAt: now.toISOString() };
    return this.store.call(
      "store.save_answer_draft",
      { draft, chatId: draft.chatId },
      this.options.traceparent,
    );
  }

  /** Stops checkpointing and waits for a save under way, so none lands after what follows. */
  async close(): Promise<void> {
    this.closed = true;
    await this.saving;
  }
}
