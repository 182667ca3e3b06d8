import type { UsageRecord, UsageReport, UsageTotals } from "@chat/contracts";
import type { Collection, Db } from "mongodb";
import { toSortableTimestamp } from "../page-cursor.ts";
import {
  type ChatUsageSums,
  type DayUsageSums,
  type ModelUsageSums,
  toUsageReport,
} from "../usage-report.ts";
import type { UsageRepository } from "../usage-repository.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";

/** A usage record; `_id` is the record's id, so recording it twice keeps one. */
type UsageRecordDocument = {
  _id: string;
  userId: string;
  chatId: string | null;
  messageId: string | null;
  purpose: UsageRecord["purpose"];
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  timeToFirstTokenMs: number | null;
  durationMs: number;
  createdAt: Date;
};

type UsageSumsDocument = UsageTotals & { _id: unknown };

/** What the report's aggregation returns: one document with both groupings of the same records. */
type UsageFacetsDocument = {
  chats: (UsageSumsDocument & { _id: string | null })[];
  models: (UsageSumsDocument & { _id: { model: string; provider: string } })[];
  days: (UsageSumsDocument & { _id: { day: string; model: string; provider: string } })[];
};

const usageSums = {
  inputTokens: { $sum: "$inputTokens" },
  outputTokens: { $sum: "$outputTokens" },
  costUsd: { $sum: "$costUsd" },
  generations: { $sum: 1 },
};

/**
 * The usage ledger of the MongoDB store.
 *
 * @example
 * const usage = new MongoUsageRepository(database);
 */
export class MongoUsageRepository implements UsageRepository {
  private readonly usageRecords: Collection<UsageRecordDocument>;

  constructor(database: Db) {
    this.usageRecords = database.collection<UsageRecordDocument>("usageRecords");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await this.usageRecords.createIndexes([{ key: { userId: 1, createdAt: 1 }, name: "by_owner_time" }]);
  }

  async recordUsage(record: UsageRecord): Promise<boolean> {
    try {
      await this.usageRecords.insertOne(toUsageRecordDocument(record));
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async eraseUserUsage(userId: string): Promise<number> {
    return (await this.usageRecords.deleteMany({ userId })).deletedCount;
  }

  async usageReport(userId: string, from: string, to: string): Promise<UsageReport> {
    const period = { from: toSortableTimestamp(from), to: toSortableTimestamp(to) };
    // One aggregation with every grouping, so they sum the same records.
    const [facets] = await this.usageRecords
      .aggregate<UsageFacetsDocument>([
        { $match: { userId, createdAt: { $gte: new Date(period.from), $lt: new Date(period.to) } } },
        {
          $facet: {
            chats: [{ $group: { _id: "$chatId", ...usageSums } }],
            models: [{ $group: { _id: { model: "$model", provider: "$provider" }, ...usageSums } }],
            days: [
              {
                $group: {
                  _id: {
                    day: { $dateToString: { format: "%Y-%m-%d", date: "$createdAt" } },
                    model: "$model",
                    provider: "$provider",
                  },
                  ...usageSums,
                },
              },
            ],
          },
        },
      ])
      .toArray();
    const chats: ChatUsageSums[] = (facets?.chats ?? []).map((group) => ({
      chatId: group._id,
      ...toUsageTotals(group),
    }));
    const models: ModelUsageSums[] = (facets?.models ?? []).map((group) => ({
      model: group._id.model,
      provider: group._id.provider,
      ...toUsageTotals(group),
    }));
    const days: DayUsageSums[] = (facets?.days ?? []).map((group) => ({
      day: group._id.day,
      model: group._id.model,
      provider: group._id.provider,
      ...toUsageTotals(group),
    }));
    return toUsageReport(period, { chats, models, days });
  }
}

function toUsageRecordDocument(record: UsageRecord): UsageRecordDocument {
  return {
    _id: record.id,
    userId: record.userId,
    chatId: record.chatId,
    messageId: record.messageId,
    purpose: record.purpose,
    model: record.model,
    provider: record.provider,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    costUsd: record.costUsd,
    timeToFirstTokenMs: record.timeToFirstTokenMs,
    durationMs: record.durationMs,
    createdAt: new Date(toSortableTimestamp(record.createdAt)),
  };
}

function toUsageTotals(sums: UsageTotals): UsageTotals {
  return {
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    costUsd: sums.costUsd,
    generations: sums.generations,
  };
}
