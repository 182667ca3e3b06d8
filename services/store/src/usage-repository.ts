import type { UsageRecord, UsageReport } from "@chat/contracts";

/**
 * The port of the usage aggregate: the ledger of generations and the reports summed from it. Usage
 * records outlive their chat: they are billing history.
 * Adapters: `SqliteUsageRepository` and `MongoUsageRepository`.
 */
export interface UsageRepository {
  /** Adds a generation to the usage ledger. Idempotent by record id: a second write returns false. */
  recordUsage(record: UsageRecord): Promise<boolean>;
  /**
   * Sums the user's usage records with `from <= createdAt < to`, in total, per chat (null: the
   * OpenAI-compatible API) and per model and provider, most expensive first.
   */
  usageReport(userId: string, from: string, to: string): Promise<UsageReport>;
  /** Deletes the user's usage records (account deletion); returns how many. */
  eraseUserUsage(userId: string): Promise<number>;
}
