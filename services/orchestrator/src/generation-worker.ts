import type { ChatCommandClient, DeliveryContext, StoreClient } from "@chat/bus";
import type { GenerationRequest } from "@chat/contracts";
import type { ChatEventPublisher } from "@chat/state";
import type { Logger } from "pino";
import { AnswerCheckpoints } from "./answer-checkpoints.ts";
import type { AttachmentContextResolver } from "./attachments/attachment-context.ts";
import { ChunkCoalescer } from "./chunk-coalescer.ts";
import { extractCodeBlocks } from "./code-block-extractor.ts";
import type { GenerationCancellations } from "./generation-cancellations.ts";
import type { ModelCaller } from "./model-caller.ts";
import type { UsageLedger } from "./usage-ledger.ts";

export type GenerationWorkerOptions = {
  flushMs: number;
  flushBytes: number;
  /** How often the text so far is checkpointed to the store (ANSWER_CHECKPOINT_MS). */
  checkpointMs: number;
  now: () => Date;
};

/**
 * Answers a user's message in a chat: `message_restart` when this is a redelivery, `message_start`,
 * coalesced `message_chunk`s while the text so far is checkpointed to the store about every
 * second, then the usage record and the `generation_finished` command with the whole answer: the
 * chat's actor frees the chat and publishes `message_complete` (durable, the store writes it). An
 * error after text was sent keeps the text (`finishReason: "error"`) and adds an `error` event. The
 * request is acked only after all that.
 */
export class GenerationWorker {
  constructor(
    private readonly dependencies: {
      commands: ChatCommandClient;
      events: ChatEventPublisher;
      store: StoreClient;
      caller: ModelCaller;
      /** Reads the files the conversation carries. */
      attachments: Pick<AttachmentContextResolver, "resolve">;
      usage: UsageLedger;
      cancellations: GenerationCancellations;
      logger: Logger;
    },
    private readonly options: GenerationWorkerOptions,
  ) {}

  async handle(request: GenerationRequest, delivery: DeliveryContext): Promise<void> {
    const { chatId, userId, traceparent, assistantMessageId: messageId } = request;
    const context = { chatId, userId, traceparent };
    const publish = this.dependencies.events.publish.bind(this.dependencies.events);
    const logger = this.dependencies.logger.child({ chatId, messageId, traceparent });
    const checkpoints = new AnswerCheckpoints(
      this.dependencies.store,
      { messageId, chatId, userId, model: request.model, createdAt: request.occurredAt },
      { intervalMs: this.options.checkpointMs, now: this.options.now, logger, traceparent },
    );
    if (delivery.deliveryCount > 1) {
      if (!(await checkpoints.begin())) {
        logger.info(
          { attempt: delivery.deliveryCount },
          "redelivered answer already ended: not written again",
        );
        return;
      }
      await publish(
        { type: "message_restart", data: { chatId, messageId, attempt: delivery.deliveryCount } },
        context,
      );
    }
    await publish({ type: "message_start", data: { chatId, messageId, model: request.model } }, context);
    if (delivery.deliveryCount === 1) checkpoints.offer("");

    // A delivery that can no longer be settled is the broker's again (it goes to an orchestrator
    // anew, with message_restart): this attempt stops writing at once, so two never interleave.
    const superseded = delivery.signal;
    let seq = 0;
    let textSoFar = "";
    const coalescer = new ChunkCoalescer(this.options, async (content) => {
      if (superseded?.aborted) return;
      await publish({ type: "message_chunk", data: { chatId, messageId, content, seq: seq++ } }, context);
    });
    // A failure to read the files (the store or the storage away) is redelivered, as others here are.
    const history = await this.dependencies.attachments.resolve(userId, request.messages, traceparent);
    const cancelled = this.dependencies.cancellations.start(messageId);
    const outcome = await this.dependencies.caller
      .call({
        modelId: request.model,
        history,
        projectPrompt: request.projectInstructions,
        chatPrompt: request.systemPrompt,
        temperature: request.temperature,
        signal: superseded ? AbortSignal.any([cancelled, superseded]) : cancelled,
        onText: (text) => {
          textSoFar += text;
          if (!superseded?.aborted) checkpoints.offer(textSoFar);
          return coalescer.push(text);
        },
        logger,
      })
      .finally(() => this.dependencies.cancellations.finish(messageId));
    await coalescer.close();
    await checkpoints.close();
    if (superseded?.aborted) {
      logger.warn("the broker took this answer back (its channel closed): the next attempt writes it");
      return;
    }

    if (outcome.error) {
      await publish(
        {
          type: "error",
          data: {
            chatId,
            messageId,
            code: outcome.error.code,
            error: outcome.error.message,
            retryable: outcome.error.retryable,
          },
        },
        context,
      );
    }
    await this.dependencies.usage.record(
      { id: request.id, userId, chatId, messageId, purpose: "answer" },
      outcome,
      traceparent,
    );
    await this.dependencies.commands.notify(
      "generation_finished",
      {
        chatId,
        userId,
        assistantMessageId: messageId,
        finishReason: outcome.finishReason,
        fullContent: outcome.text,
        codeBlocks: extractCodeBlocks(outcome.text),
        usage: outcome.usage,
        model: outcome.modelId,
        answerCreatedAt: request.occurredAt,
      },
      traceparent,
    );
    logger.info(
      { finishReason: outcome.finishReason, model: outcome.modelId, ...outcome.usage },
      "generation finished",
    );
  }
}
