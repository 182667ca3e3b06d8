import type { Bus, DeliveryContext } from "@chat/bus";
import type { ChatEventPublisher } from "@chat/clients";
import {
  AppError,
  type FinishReason,
  type GenerationFinishedCommand,
  type GenerationRequest,
  newEnvelope,
  type Usage,
} from "@chat/contracts";
import type { Logger } from "pino";
import { ChunkCoalescer } from "./chunk-coalescer.ts";
import { extractCodeBlocks } from "./code-block-extractor.ts";
import { type GenerationCancellations, GenerationCancelled } from "./generation-cancellations.ts";
import type { ModelInfo, ModelProvider } from "./model-provider.ts";

export type ModelRoute = { info: ModelInfo; provider: ModelProvider; upstreamModel: string };

export type GenerationWorkerOptions = {
  flushMs: number;
  flushBytes: number;
  now: () => Date;
  newId: () => string;
};

/**
 * Streams one generation request: `message_restart` when this is a redelivery, `message_start`,
 * coalesced `message_chunk`s, then `message_complete` (durable, the store writes it) and the
 * `generation_finished` command that frees the chat. The request is acked only after all that.
 */
export class GenerationWorker {
  constructor(
    private readonly dependencies: {
      bus: Bus;
      events: ChatEventPublisher;
      models: Map<string, ModelRoute>;
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
    if (delivery.deliveryCount > 1) {
      await publish(
        { type: "message_restart", data: { chatId, messageId, attempt: delivery.deliveryCount } },
        context,
      );
    }
    await publish({ type: "message_start", data: { chatId, messageId, model: request.model } }, context);

    let fullContent = "";
    let seq = 0;
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    let finishReason: FinishReason = "stop";
    const coalescer = new ChunkCoalescer(this.options, (content) =>
      publish({ type: "message_chunk", data: { chatId, messageId, content, seq: seq++ } }, context).then(
        () => {},
      ),
    );
    const signal = this.dependencies.cancellations.start(messageId);
    try {
      const route = this.dependencies.models.get(request.model);
      if (!route)
        throw new AppError("GENERATION_FAILED", `Model ${request.model} is not available`, {
          retryable: false,
        });
      const stream = route.provider.stream({
        model: route.upstreamModel,
        messages: request.messages,
        maxOutputTokens: route.info.maxOutputTokens,
        signal,
      });
      for await (const part of stream) {
        if (part.type === "text-delta") {
          fullContent += part.text;
          usage = { ...usage, outputTokens: usage.outputTokens + 1 };
          await coalescer.push(part.text);
        } else {
          usage = part.usage;
          finishReason = part.finishReason;
        }
      }
      await coalescer.close();
    } catch (error) {
      await coalescer.close();
      if (signal.reason instanceof GenerationCancelled) {
        finishReason = "cancelled";
      } else {
        await this.reportFailure(error, { ...context, messageId }, logger);
        finishReason = "error";
      }
    } finally {
      this.dependencies.cancellations.finish(messageId);
    }

    await publish(
      {
        type: "message_complete",
        data: {
          chatId,
          messageId,
          fullContent,
          codeBlocks: extractCodeBlocks(fullContent),
          usage,
          finishReason,
          model: request.model,
          createdAt: request.occurredAt,
        },
      },
      context,
    );
    const finished: GenerationFinishedCommand = {
      ...newEnvelope("generation_finished", chatId, {
        id: this.options.newId(),
        traceparent,
        now: this.options.now(),
      }),
      userId,
      assistantMessageId: messageId,
      finishReason,
      fullContent,
    };
    await this.dependencies.bus.sendCommand(finished);
    logger.info({ finishReason, outputTokens: usage.outputTokens }, "generation finished");
  }

  private async reportFailure(
    error: unknown,
    context: { chatId: string; userId: string; traceparent: string; messageId: string },
    logger: Logger,
  ): Promise<void> {
    const failure = AppError.isInstance(error)
      ? error
      : new AppError("GENERATION_FAILED", "The model failed to answer", { cause: error });
    logger.error({ err: error }, "generation failed");
    await this.dependencies.events.publish(
      {
        type: "error",
        data: {
          chatId: context.chatId,
          messageId: context.messageId,
          code: failure.code,
          error: failure.message,
          retryable: failure.retryable,
        },
      },
      context,
    );
  }
}
