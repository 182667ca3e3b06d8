import type { Database } from "bun:sqlite";
import {
  type ChatHold,
  CONSOLE_ACTIVE_WINDOW_MS,
  type ConsoleAnswerMetrics,
  type ConsoleChat,
  type ConsoleDailyUsage,
  type ConsoleHelpEvent,
  type ConsoleSession,
  type ConsoleTotals,
  consoleActivityOf,
} from "@chat/contracts";
import type { Page, PageRequest } from "../chat-repository.ts";
import { consoleSortKey, decodeConsoleCursor, encodeConsoleCursor } from "../console/console-cursor.ts";
import { consoleTotalsWindow } from "../console/console-totals-window.ts";
import type { ConsoleQuery, ConsoleRepository } from "../console-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { checkLimit, toSortableTimestamp } from "../page-cursor.ts";
import { type Bindings, prepareStatement } from "./prepare-statement.ts";

type ConsoleChatRow = {
  id: string;
  title: string;
  model: string;
  user_id: string;
  email: string | null;
  name: string | null;
  created_at: string;
  last_activity_at: string;
  session_started_at: string | null;
  session_duration_ms: number;
  sessions: number;
  needs_help: number;
  assisted: number;
  held_by: string | null;
  message_count: number;
};

type SessionRow = { started_at: string; last_activity_at: string; duration_ms: number };

const consoleChatSelect = `SELECT chats.id, chats.title, chats.model, chats.user_id, users.email, users.name,
  chats.created_at, chats.last_activity_at, chats.session_started_at, chats.session_duration_ms, chats.sessions,
  chats.needs_help, chats.assisted, chats.held_by,
  (SELECT count(*) FROM messages WHERE messages.chat_id = chats.id) AS message_count
  FROM chats LEFT JOIN users ON users.id = chats.user_id`;

/** ORDER BY and the condition "after the cursor" of each order. */
const orders = {
  last_activity: {
    orderBy: "chats.last_activity_at DESC, chats.id DESC",
    after:
      "(chats.last_activity_at < $afterAt OR (chats.last_activity_at = $afterAt AND chats.id < $afterId))",
  },
  started: {
    orderBy: "chats.created_at DESC, chats.id DESC",
    after: "(chats.created_at < $afterAt OR (chats.created_at = $afterAt AND chats.id < $afterId))",
  },
  duration: {
    orderBy: "chats.session_duration_ms DESC, chats.id DESC",
    after:
      "(chats.session_duration_ms < $afterMs OR (chats.session_duration_ms = $afterMs AND chats.id < $afterId))",
  },
  user: {
    orderBy: "chats.user_id ASC, chats.last_activity_at DESC, chats.id DESC",
    after: `(chats.user_id > $afterUser OR (chats.user_id = $afterUser AND (chats.last_activity_at < $afterAt
      OR (chats.last_activity_at = $afterAt AND chats.id < $afterId))))`,
  },
} as const;

/**
 * The support console's reads on the SQLite store: one query per page over the chats table, read
 * through the index of the order asked (see migration 12), keyset-paginated.
 *
 * @example
 * const page = await consoleRepository.listChats({ filter: {}, sort: "last_activity", now, sessionIdleMs }, { limit: 50 });
 */
export class SqliteConsoleRepository implements ConsoleRepository {
  private readonly statements: ReturnType<typeof prepareConsoleStatements>;
  private readonly recordActivityTransaction: ReturnType<typeof prepareRecordActivity>;

  constructor(
    private readonly database: Database,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.statements = prepareConsoleStatements(database);
    this.recordActivityTransaction = prepareRecordActivity(database, this.statements);
  }

  async recordActivity(chatId: string, at: string, sessionIdleMs: number): Promise<void> {
    // IMMEDIATE: two store processes on one file read the current session under the write lock.
    this.recordActivityTransaction.immediate(chatId, toSortableTimestamp(at), sessionIdleMs);
  }

  async listChats(query: ConsoleQuery, page: PageRequest): Promise<Page<ConsoleChat>> {
    checkLimit(page.limit, 1);
    const now = new Date(query.now);
    const conditions: string[] = [];
    const bindings: Bindings = { limit: page.limit + 1 };
    const { filter } = query;
    if (filter.userId !== undefined) {
      conditions.push("chats.user_id = $userId");
      bindings.userId = filter.userId;
    }
    if (filter.model !== undefined) {
      conditions.push("chats.model = $model");
      bindings.model = filter.model;
    }
    if (filter.from !== undefined) {
      conditions.push("chats.created_at >= $from");
      bindings.from = toSortableTimestamp(filter.from);
    }
    if (filter.to !== undefined) {
      conditions.push("chats.created_at < $to");
      bindings.to = toSortableTimestamp(filter.to);
    }
    const activeSince = new Date(now.getTime() - CONSOLE_ACTIVE_WINDOW_MS).toISOString();
    const idleSince = new Date(now.getTime() - query.sessionIdleMs).toISOString();
    switch (filter.status) {
      case "active":
        conditions.push("chats.last_activity_at >= $activeSince");
        bindings.activeSince = activeSince;
        break;
      case "idle":
        conditions.push("chats.last_activity_at < $activeSince AND chats.last_activity_at >= $idleSince");
        Object.assign(bindings, { activeSince, idleSince });
        break;
      case "ended":
        conditions.push("chats.last_activity_at < $idleSince");
        bindings.idleSince = idleSince;
        break;
      case "needs_help":
        conditions.push("chats.needs_help = 1");
        break;
      case "assisted":
        conditions.push("chats.assisted = 1");
        break;
    }
    const order = orders[query.sort];
    if (page.cursor !== undefined) {
      const key = decodeConsoleCursor(page.cursor, query.sort);
      conditions.push(order.after);
      bindings.afterId = key.id;
      if (key.sort === "duration") bindings.afterMs = key.durationMs;
      else bindings.afterAt = key.at;
      if (key.sort === "user") bindings.afterUser = key.userId;
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    const rows = this.database
      .query<ConsoleChatRow, [Bindings]>(
        `${consoleChatSelect} ${where} ORDER BY ${order.orderBy} LIMIT $limit`,
      )
      .all(bindings);
    const items = rows
      .slice(0, page.limit)
      .map((row) => toConsoleChat(row, now, query.sessionIdleMs, this.cipher));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > page.limit && last ? encodeConsoleCursor(consoleSortKey(query.sort, last)) : null,
    };
  }

  async recordHelp(chatId: string, event: ConsoleHelpEvent): Promise<void> {
    this.statements.insertHelpEvent.run({ chatId, at: toSortableTimestamp(event.at), kind: event.kind });
  }

  async helpHistory(chatId: string): Promise<ConsoleHelpEvent[]> {
    return this.statements.helpEvents.all({ chatId });
  }

  async getChat(chatId: string, now: string, sessionIdleMs: number): Promise<ConsoleChat | null> {
    const row = this.statements.consoleChat.get({ chatId });
    return row ? toConsoleChat(row, new Date(now), sessionIdleMs, this.cipher) : null;
  }

  async chatMetrics(chatId: string): Promise<{ metrics: ConsoleAnswerMetrics; sessions: ConsoleSession[] }> {
    const sums = this.statements.chatUsage.get({ chatId });
    const sessions = this.statements.sessions.all({ chatId }).map((row) => ({
      startedAt: row.started_at,
      lastActivityAt: row.last_activity_at,
      durationMs: row.duration_ms,
    }));
    return {
      metrics: {
        answers: sums?.answers ?? 0,
        timeToFirstTokenMs: { average: sums?.ttft_average ?? null, worst: sums?.ttft_worst ?? null },
        durationMs: { average: sums?.duration_average ?? null, worst: sums?.duration_worst ?? null },
        inputTokens: sums?.input_tokens ?? 0,
        outputTokens: sums?.output_tokens ?? 0,
        costUsd: sums?.cost_usd ?? 0,
      },
      sessions,
    };
  }

  async totals(now: string, sessionIdleMs: number): Promise<ConsoleTotals> {
    const window = consoleTotalsWindow(new Date(now), sessionIdleMs);
    const read = this.database.transaction((): ConsoleTotals => {
      const activeUsers = this.statements.activeUsers.get({ since: window.activeSince })?.users ?? 0;
      const openStreams = this.statements.openAnswers.get({ since: window.streamingSince })?.answers ?? 0;
      const recentAnswers = this.statements.answersSince.get({ since: window.answersSince })?.answers ?? 0;
      const usageByDay: ConsoleDailyUsage[] = this.statements.usageByDay
        .all({ since: window.firstDay })
        .map((row) => ({
          day: row.day,
          model: row.model,
          answers: row.answers,
          inputTokens: row.input_tokens,
          outputTokens: row.output_tokens,
          costUsd: row.cost_usd,
        }));
      const providerErrorsByDay = this.statements.errorsByDay.all({ since: window.firstDay });
      return {
        at: window.at,
        activeUsers,
        openStreams,
        answersPerMinute: recentAnswers / window.answersMinutes,
        usageByDay,
        providerErrorsByDay,
      };
    });
    return read();
  }
}

function prepareRecordActivity(database: Database, statements: ReturnType<typeof prepareConsoleStatements>) {
  return database.transaction((chatId: string, at: string, sessionIdleMs: number) => {
    if (!statements.chatExists.get({ chatId })) return;
    const current = statements.currentSession.get({ chatId });
    if (current && at <= current.last_activity_at) return;
    if (current && Date.parse(at) - Date.parse(current.last_activity_at) < sessionIdleMs) {
      const durationMs = Date.parse(at) - Date.parse(current.started_at);
      statements.extendSession.run({ chatId, startedAt: current.started_at, at, durationMs });
      statements.mirrorSession.run({ chatId, startedAt: current.started_at, durationMs, newSessions: 0 });
      return;
    }
    statements.startSession.run({ chatId, at });
    statements.mirrorSession.run({ chatId, startedAt: at, durationMs: 0, newSessions: current ? 1 : 0 });
  });
}

function toConsoleChat(
  row: ConsoleChatRow,
  now: Date,
  sessionIdleMs: number,
  cipher: FieldCipher,
): ConsoleChat {
  return {
    id: row.id,
    title: cipher.open("chat.title", row.title),
    model: row.model,
    userId: row.user_id,
    userEmail: row.email ?? "",
    userName: row.name ?? "",
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    sessionStartedAt: row.session_started_at ?? row.created_at,
    sessionDurationMs: row.session_duration_ms,
    sessions: row.sessions,
    activity: consoleActivityOf(row.last_activity_at, now, sessionIdleMs),
    needsHelp: row.needs_help === 1,
    assisted: row.assisted === 1,
    heldBy: row.held_by === null ? null : (JSON.parse(row.held_by) as ChatHold),
    messageCount: row.message_count,
  };
}

function prepareConsoleStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    chatExists: prepare<{ found: number }>("SELECT 1 AS found FROM chats WHERE id = $chatId"),
    currentSession: prepare<SessionRow>(
      `SELECT started_at, last_activity_at, duration_ms FROM chat_sessions WHERE chat_id = $chatId
       ORDER BY started_at DESC LIMIT 1`,
    ),
    extendSession: prepare(
      `UPDATE chat_sessions SET last_activity_at = $at, duration_ms = $durationMs
       WHERE chat_id = $chatId AND started_at = $startedAt`,
    ),
    startSession: prepare(
      `INSERT INTO chat_sessions (chat_id, started_at, last_activity_at, duration_ms) VALUES ($chatId, $at, $at, 0)
       ON CONFLICT (chat_id, started_at) DO NOTHING`,
    ),
    mirrorSession: prepare(
      `UPDATE chats SET session_started_at = $startedAt, session_duration_ms = $durationMs,
       sessions = sessions + $newSessions WHERE id = $chatId`,
    ),
    consoleChat: prepare<ConsoleChatRow>(`${consoleChatSelect} WHERE chats.id = $chatId`),
    insertHelpEvent: prepare(
      "INSERT INTO chat_help_events (chat_id, at, kind) SELECT $chatId, $at, $kind WHERE EXISTS (SELECT 1 FROM chats WHERE id = $chatId)",
    ),
    helpEvents: prepare<ConsoleHelpEvent>(
      "SELECT at, kind FROM chat_help_events WHERE chat_id = $chatId ORDER BY at DESC, rowid DESC LIMIT 50",
    ),
    sessions: prepare<SessionRow>(
      `SELECT started_at, last_activity_at, duration_ms FROM chat_sessions WHERE chat_id = $chatId
       ORDER BY started_at DESC LIMIT 50`,
    ),
    chatUsage: prepare<{
      answers: number;
      ttft_average: number | null;
      ttft_worst: number | null;
      duration_average: number | null;
      duration_worst: number | null;
      input_tokens: number | null;
      output_tokens: number | null;
      cost_usd: number | null;
    }>(
      `SELECT count(CASE WHEN purpose = 'answer' THEN 1 END) AS answers,
         avg(CASE WHEN purpose = 'answer' THEN time_to_first_token_ms END) AS ttft_average,
         max(CASE WHEN purpose = 'answer' THEN time_to_first_token_ms END) AS ttft_worst,
         avg(CASE WHEN purpose = 'answer' THEN duration_ms END) AS duration_average,
         max(CASE WHEN purpose = 'answer' THEN duration_ms END) AS duration_worst,
         sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
       FROM usage_records WHERE chat_id = $chatId`,
    ),
    activeUsers: prepare<{ users: number }>(
      "SELECT count(DISTINCT user_id) AS users FROM chats WHERE last_activity_at >= $since",
    ),
    openAnswers: prepare<{ answers: number }>(
      "SELECT count(*) AS answers FROM answer_drafts WHERE updated_at >= $since",
    ),
    answersSince: prepare<{ answers: number }>(
      "SELECT count(*) AS answers FROM usage_records WHERE created_at >= $since AND purpose = 'answer'",
    ),
    usageByDay: prepare<{
      day: string;
      model: string;
      answers: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
    }>(
      `SELECT substr(created_at, 1, 10) AS day, model, count(CASE WHEN purpose = 'answer' THEN 1 END) AS answers,
         sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
       FROM usage_records WHERE created_at >= $since GROUP BY day, model ORDER BY day DESC, cost_usd DESC, model`,
    ),
    errorsByDay: prepare<{ day: string; errors: number }>(
      `SELECT substr(created_at, 1, 10) AS day, count(*) AS errors FROM messages
       WHERE finish_reason = 'error' AND created_at >= $since GROUP BY day ORDER BY day DESC`,
    ),
  };
}
