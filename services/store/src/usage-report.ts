import type { UsageReport, UsageTotals } from "@chat/contracts";

/** The sums of one chat's usage records (chatId null: the OpenAI-compatible API). */
export type ChatUsageSums = UsageTotals & { chatId: string | null };

/** The sums of the usage records of one model at one provider. */
export type ModelUsageSums = UsageTotals & { model: string; provider: string };

/** The sums of one model's usage records on one UTC day (`YYYY-MM-DD`). */
export type DayUsageSums = ModelUsageSums & { day: string };

const costDecimals = 1_000_000;

/**
 * Shapes the grouped sums that an adapter's aggregation returns into a UsageReport: the total over
 * all groups, chats and models most expensive first, days oldest first (then most expensive), costs rounded to 6 decimals. Both adapters use
 * it, so they sort and round alike.
 *
 * @example
 * toUsageReport({ from, to }, { chats: [{ chatId: "c1", inputTokens: 10, outputTokens: 5, costUsd: 0.1, generations: 1 }], models });
 */
export function toUsageReport(
  period: { from: string; to: string },
  sums: { chats: ChatUsageSums[]; models: ModelUsageSums[]; days: DayUsageSums[] },
): UsageReport {
  const total: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0, generations: 0 };
  for (const chat of sums.chats) {
    total.inputTokens += chat.inputTokens;
    total.outputTokens += chat.outputTokens;
    total.costUsd += chat.costUsd;
    total.generations += chat.generations;
  }
  // Sorting on the rounded costs keeps float noise from ordering two groups that cost the same.
  const chats = sums.chats
    .map((chat) => ({ ...toTotals(chat), chatId: chat.chatId }))
    .sort((first, second) => second.costUsd - first.costUsd || compareNullFirst(first.chatId, second.chatId));
  const models = sums.models
    .map((model) => ({ model: model.model, provider: model.provider, ...toTotals(model) }))
    .sort(
      (first, second) =>
        second.costUsd - first.costUsd ||
        compareStrings(first.model, second.model) ||
        compareStrings(first.provider, second.provider),
    );
  const days = sums.days
    .map((day) => ({ day: day.day, model: day.model, provider: day.provider, ...toTotals(day) }))
    .sort(
      (first, second) =>
        compareStrings(first.day, second.day) ||
        second.costUsd - first.costUsd ||
        compareStrings(first.model, second.model) ||
        compareStrings(first.provider, second.provider),
    );
  return { from: period.from, to: period.to, total: toTotals(total), chats, models, days };
}

/** Rounds a sum of costs to 6 decimals (a millionth of a dollar), hiding float noise such as 0.30000000000000004. */
export function roundCost(costUsd: number): number {
  return Math.round(costUsd * costDecimals) / costDecimals;
}

function toTotals(sums: UsageTotals): UsageTotals {
  return {
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    costUsd: roundCost(sums.costUsd),
    generations: sums.generations,
  };
}

// By code unit, as both databases compare strings, never by locale.
function compareStrings(first: string, second: string): number {
  if (first === second) return 0;
  return first < second ? -1 : 1;
}

function compareNullFirst(first: string | null, second: string | null): number {
  if (first === null || second === null) return first === second ? 0 : first === null ? -1 : 1;
  return compareStrings(first, second);
}
