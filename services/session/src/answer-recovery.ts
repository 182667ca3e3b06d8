import type { ChatCommandClient, StoreClient } from "@chat/bus";
import { traceparentFrom } from "@chat/runtime";
import type { Logger } from "pino";
import { RepeatingSweep } from "./repeating-sweep.ts";

/** Drafts looked at per sweep; the least recently checkpointed come first. */
const draftsPerSweep = 100;
/** Expired holds ended per sweep. */
const holdsPerSweep = 100;

/**
 * Finds answers whose writer is gone: at start and then every `intervalMs`, it lists the store's
 * answer drafts and sends each chat's actor a `recover_answer` for those gone stale. The actor decides (see
 * `decideRecoverAnswer`): a draft of a turn still running within its timeout is left alone, any
 * other is published complete as "interrupted". After an embedded restart, that is every draft.
 * The same sweep ends agents' holds that expired with nothing happening in their chat: the store
 * lists them and each actor gets `expire_hold` (a hold renewed meanwhile stays).
 *
 * @example
 * const recovery = new AnswerRecovery({ commands, store, logger }, { intervalMs: 30_000, staleAfterMs: 15_000 });
 * recovery.start();
 * // ...
 * await recovery.stop();
 */
export class AnswerRecovery {
  private readonly repeating: RepeatingSweep;

  constructor(
    private readonly dependencies: { commands: ChatCommandClient; store: StoreClient; logger: Logger },
    private readonly options: {
      intervalMs: number;
      /**
       * A draft not checkpointed for this long has lost its writer (writers checkpoint about every
       * second while text comes); a fresher one may belong to an answer still being written whose
       * actor lost its state, so it is left for a later sweep.
       */
      staleAfterMs: number;
      /** Every draft is orphaned at start (the embedded process: nothing else can be writing). */
      orphanedAtStart?: boolean;
      now?: () => Date;
    },
  ) {
    this.repeating = new RepeatingSweep(() => this.sweep(), {
      intervalMs: options.intervalMs,
      logger: dependencies.logger,
      done: "answer drafts sent for recovery",
      failed: "answer recovery sweep failed",
    });
  }

  private sweeps = 0;

  start(): void {
    this.repeating.start();
  }

  stop(): Promise<void> {
    return this.repeating.stop();
  }

  /** One pass over the drafts; a failure is logged and the next pass tries again. */
  async sweep(): Promise<number> {
    const traceparent = traceparentFrom(null);
    const listed = await this.dependencies.store.call(
      "store.list_answer_drafts",
      { limit: draftsPerSweep },
      traceparent,
    );
    const everyDraft = this.sweeps++ === 0 && this.options.orphanedAtStart === true;
    const staleBefore = (this.options.now?.() ?? new Date()).getTime() - this.options.staleAfterMs;
    const drafts = everyDraft ? listed : listed.filter((draft) => Date.parse(draft.updatedAt) <= staleBefore);
    // A failure here must not keep the drafts from recovery: logged, and tried again next sweep.
    await this.expireHolds(traceparent).catch((error: unknown) =>
      this.dependencies.logger.warn({ err: error }, "expired holds sweep failed"),
    );
    for (const draft of drafts) {
      await this.dependencies.commands.notify(
        "recover_answer",
        {
          chatId: draft.chatId,
          userId: draft.userId,
          assistantMessageId: draft.messageId,
          content: draft.content,
          model: draft.model,
          answerCreatedAt: draft.createdAt,
        },
        traceparent,
      );
    }
    return drafts.length;
  }

  /** Sends `expire_hold` to the chats whose recorded hold is past its expiry. */
  private async expireHolds(traceparent: string): Promise<void> {
    const before = (this.options.now?.() ?? new Date()).toISOString();
    const held = await this.dependencies.store.call(
      "store.list_expired_holds",
      { before, limit: holdsPerSweep },
      traceparent,
    );
    for (const chat of held) {
      await this.dependencies.commands.notify("expire_hold", chat, traceparent);
    }
    if (held.length > 0)
      this.dependencies.logger.info({ holds: held.length }, "expired holds sent to their chats");
  }
}
