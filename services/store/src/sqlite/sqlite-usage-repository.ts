import type { Database } from "bun:sqlite";
import type { UsageRecord, UsageReport, UsageTotals } from "@chat/contracts";
import { toSortableTimestamp } from "../page-cursor.ts";
import {
  type ChatUsageSums,
  type DayUsageSums,
  type ModelUsageSums,
  toUsageReport,
} from "../usage-report.ts";
import type { UsageRepository } from "../usage-repository.ts";
import { prepareStatement } from "./prepare-statement.ts";

type UsageSumsRow = { input_tokens: number; output_tokens: number; cost_usd: number; generations: number };

const usageSums =
  "sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd, count(*) AS generations";
const usageOfPeriod = "user_id = $userId AND created_at >= $from AND created_at < $to";

/**
 * The usage ledger of the SQLite store.
 *
 * @example
 * const usage = new SqliteUsageRepository(database);
 */
export class SqliteUsageRepository implements UsageRepository {
  private readonly statements: ReturnType<typeof prepareUsageStatements>;
  private readonly transactions: ReturnType<typeof prepareUsageTransactions>;

  constructor(database: Database) {
    this.statements = prepareUsageStatements(database);
    this.transactions = prepareUsageTransactions(database, this.statements);
  }

  async recordUsage(record: UsageRecord): Promise<boolean> {
    const inserted = this.statements.insertUsageRecord.run({
      id: record.id,
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
      createdAt: toSortableTimestamp(record.createdAt),
    });
    return inserted.changes > 0;
  }

  async usageReport(userId: string, from: string, to: string): Promise<UsageReport> {
    const period = { from: toSortableTimestamp(from), to: toSortableTimestamp(to) };
    return this.transactions.usageReport(userId, period);
  }

  async eraseUserUsage(userId: string): Promise<number> {
    return this.statements.deleteUsageOfUser.run({ userId }).changes;
  }
}

function prepareUsageStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insertUsageRecord: prepare(
      `INSERT INTO usage_records (id, user_id, chat_id, message_id, purpose, model, provider, input_tokens,
         output_tokens, cost_usd, time_to_first_token_ms, duration_ms, created_at)
       VALUES ($id, $userId, $chatId, $messageId, $purpose, $model, $provider, $inputTokens,
         $outputTokens, $costUsd, $timeToFirstTokenMs, $durationMs, $createdAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    deleteUsageOfUser: prepare("DELETE FROM usage_records WHERE user_id = $userId"),
    usageByChat: prepare<UsageSumsRow & { chat_id: string | null }>(
      `SELECT chat_id, ${usageSums} FROM usage_records WHERE ${usageOfPeriod} GROUP BY chat_id`,
    ),
    usageByModel: prepare<UsageSumsRow & { model: string; provider: string }>(
      `SELECT model, provider, ${usageSums} FROM usage_records WHERE ${usageOfPeriod} GROUP BY model, provider`,
    ),
    // created_at is the sortable UTC timestamp: its first 10 characters are the UTC day.
    usageByDay: prepare<UsageSumsRow & { day: string; model: string; provider: string }>(
      `SELECT substr(created_at, 1, 10) AS day, model, provider, ${usageSums} FROM usage_records
       WHERE ${usageOfPeriod} GROUP BY day, model, provider`,
    ),
  };
}

function prepareUsageTransactions(database: Database, statements: ReturnType<typeof prepareUsageStatements>) {
  return {
    // One read transaction, so every grouping sums the same records.
    usageReport: database.transaction((userId: string, period: { from: string; to: string }): UsageReport => {
      const bindings = { userId, from: period.from, to: period.to };
      const chats: ChatUsageSums[] = statements.usageByChat
        .all(bindings)
        .map((row) => ({ chatId: row.chat_id, ...toUsageTotals(row) }));
      const models: ModelUsageSums[] = statements.usageByModel
        .all(bindings)
        .map((row) => ({ model: row.model, provider: row.provider, ...toUsageTotals(row) }));
      const days: DayUsageSums[] = statements.usageByDay
        .all(bindings)
        .map((row) => ({ day: row.day, model: row.model, provider: row.provider, ...toUsageTotals(row) }));
      return toUsageReport(period, { chats, models, days });
    }),
  };
}

function toUsageTotals(row: UsageSumsRow): UsageTotals {
  return {
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_usd,
    generations: row.generations,
  };
}
