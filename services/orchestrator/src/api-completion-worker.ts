import type { Bus, DeliveryContext } from "@chat/bus";
import {
  type CompletionRequest,
  type CompletionStreamMessage,
  completionEventKey,
  newEnvelope,
} from "@chat/contracts";
import type { Logger } from "pino";
import type { AttachmentContextResolver } from "./attachments/attachment-context.ts";
import { ChunkCoalescer } from "./chunk-coalescer.ts";
import type { GenerationCancellations } from "./generation-cancellations.ts";
import type { ModelCaller } from "./model-caller.ts";
import type { UsageLedger } from "./usage-ledger.ts";

type StreamFields<T extends CompletionStreamMessage["type"]> = Omit<
  Extract<CompletionStreamMessage, { type: T }>,
  "id" | "type" | "v" | "chatId" | "occurredAt" | "traceparent" | "userId" | "completionId"
>;

/**
 * Answers a completion of the OpenAI-compatible API: streams `completion_chunk`s, then
 * `completion_finished` or `completion_failed`, to the gateway waiting on
 * `completion.<completionId>.*`. A redelivered request fails instead of restarting: its caller
 * already had text that an OpenAI stream cannot take back.
 */
export class ApiCompletionWorker {
  constructor(
    private readonly dependencies: {
      bus: Bus;
      caller: ModelCaller;
      /** Reads the files and images the messages carry. */
      attachments: Pick<AttachmentContextResolver, "resolve">;
      usage: UsageLedger;
      cancellations: GenerationCancellations;
      logger: Logger;
    },
    private readonly options: { flushMs: number; flushBytes: number; newId: () => string; now: () => Date },
  ) {}

  async handle(request: CompletionRequest, delivery: DeliveryContext): Promise<void> {
    const { completionId, userId, traceparent } = request;
    const logger = this.dependencies.logger.child({ completionId, traceparent });
    const send = <T extends CompletionStreamMessage["type"]>(type: T, fields: StreamFields<T>) =>
      this.dependencies.bus.publishEvent(completionEventKey(completionId, type), {
        ...newEnvelope(type, "", { id: this.options.newId(), traceparent, now: this.options.now() }),
        userId,
        completionId,
        ...fields,
      });
    if (delivery.deliveryCount > 1) {
      await send("completion_failed", {
        error: {
          code: "GENERATION_FAILED",
          message: "The completion was interrupted; send it again",
          retryable: true,
        },
      });
      return;
    }

    let seq = 0;
    const coalescer = new ChunkCoalescer(this.options, (content) =>
      send("completion_chunk", { content, seq: seq++ }),
    );
    const system = request.messages.filter((message) => message.role === "system");
    // A failure here is redelivered, and a redelivery answers completion_failed (above).
    const history = await this.dependencies.attachments.resolve(
      userId,
      request.messages.filter((message) => message.role !== "system"),
      traceparent,
    );
    const signal = this.dependencies.cancellations.start(completionId);
    const outcome = await this.dependencies.caller
      .call({
        modelId: request.model,
        history,
        chatPrompt: system.map((message) => message.content).join("\n\n") || undefined,
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature,
        topP: request.topP,
        signal,
        onText: (text) => coalescer.push(text),
        logger,
      })
      .finally(() => this.dependencies.cancellations.finish(completionId));
    await coalescer.close();

    if (outcome.error) await send("completion_failed", { error: outcome.error.serialize() });
    else {
      await send("completion_finished", {
        content: outcome.text,
        finishReason: outcome.finishReason,
        model: outcome.modelId,
        usage: outcome.usage,
      });
    }
    await this.dependencies.usage.record(
      { id: request.id, userId, chatId: null, messageId: null, purpose: "api" },
      outcome,
      traceparent,
    );
    logger.info(
      { finishReason: outcome.finishReason, model: outcome.modelId, ...outcome.usage },
      "completion finished",
    );
  }
}
