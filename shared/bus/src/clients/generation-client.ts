import {
  type GenerationCancelSignal,
  type GenerationWork,
  generationCancelKey,
  newEnvelope,
} from "@chat/contracts";
import type { Bus } from "../bus.ts";

/** A piece of work's own fields, with the `chatId` of its envelope (empty for an API completion). */
type WorkFields<T extends GenerationWork["type"]> = Omit<
  Extract<GenerationWork, { type: T }>,
  "id" | "type" | "v" | "occurredAt" | "traceparent"
>;

/**
 * Work for the orchestrators over the bus (`ai.generate`: answers, titles, API completions) and
 * the cancel signal every orchestrator hears: builds each envelope.
 *
 * @example
 * await generations.request("title_requested", { chatId, userId, model, question, answer, currentTitle }, traceparent);
 */
export class GenerationClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: { newId: () => string; now?: () => Date },
  ) {}

  /** Queues the work for the next free orchestrator. */
  request<T extends GenerationWork["type"]>(
    type: T,
    fields: WorkFields<T>,
    traceparent: string,
  ): Promise<void> {
    return this.bus.enqueueWork("ai.generate", {
      ...this.envelope(type, fields.chatId, traceparent),
      ...fields,
    });
  }

  /** Asks whichever orchestrator writes the answer `assistantMessageId` to stop. */
  cancel(
    fields: Omit<GenerationCancelSignal, "id" | "type" | "v" | "occurredAt" | "traceparent">,
    traceparent: string,
  ): Promise<void> {
    const signal: GenerationCancelSignal = {
      ...this.envelope("generation_cancel", fields.chatId, traceparent),
      ...fields,
    };
    return this.bus.publishEvent(generationCancelKey(fields.chatId), signal);
  }

  private envelope<T extends string>(type: T, chatId: string, traceparent: string) {
    return newEnvelope(type, chatId, {
      id: this.options.newId(),
      traceparent,
      now: this.options.now?.() ?? new Date(),
    });
  }
}
