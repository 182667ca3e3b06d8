import type { Bus } from "@chat/bus";
import { newEnvelope, type UsageRecord, type UsageRecorded, usageEventKey } from "@chat/contracts";
import type { ModelCallOutcome } from "./model-call-outcome.ts";

/** Publishes each generation's usage (durably) for the store's ledger, which `GET /api/usage` sums. */
export class UsageLedger {
  constructor(
    private readonly bus: Bus,
    private readonly options: { newId: () => string; now: () => Date },
  ) {}

  async record(
    generation: Pick<UsageRecord, "id" | "userId" | "chatId" | "messageId" | "purpose">,
    outcome: ModelCallOutcome,
    traceparent: string,
  ): Promise<void> {
    const now = this.options.now();
    const { usage } = outcome;
    const message: UsageRecorded = {
      ...newEnvelope("usage_recorded", generation.chatId ?? "", {
        id: this.options.newId(),
        traceparent,
        now,
      }),
      userId: generation.userId,
      record: {
        ...generation,
        model: outcome.modelId,
        provider: usage.provider,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: usage.costUsd,
        timeToFirstTokenMs: usage.timeToFirstTokenMs,
        durationMs: usage.durationMs,
        createdAt: now.toISOString(),
      },
    };
    await this.bus.publishEvent(usageEventKey(generation.userId), message, { durable: true });
  }
}
