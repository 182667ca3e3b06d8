import {
  CONSOLE_ACTIVE_WINDOW_MS,
  type ConsoleAnswerMetrics,
  type ConsoleChat,
  type ConsoleHelpEvent,
  type ConsoleSession,
  type ConsoleTotals,
  consoleActivityOf,
} from "@chat/contracts";
import type { Collection, Db, Document, Filter, Sort } from "mongodb";
import type { Page, PageRequest } from "../chat-repository.ts";
import { consoleSortKey, decodeConsoleCursor, encodeConsoleCursor } from "../console/console-cursor.ts";
import { consoleTotalsWindow } from "../console/console-totals-window.ts";
import type { ConsoleQuery, ConsoleRepository } from "../console-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { checkLimit, toSortableTimestamp } from "../page-cursor.ts";
import type { ChatDocument } from "./mongo-chat-documents.ts";

/** A session as the chat document keeps it (the newest 50, the current one last). */
type SessionEntry = { startedAt: Date; lastActivityAt: Date; durationMs: number };

/** The console's fields of a `chats` document; absent on chats that had no activity since they came. */
type ConsoleChatDocument = ChatDocument & {
  sessionStartedAt?: Date;
  sessionLastAt?: Date;
  sessionDurationMs?: number;
  sessions?: number;
  sessionHistory?: SessionEntry[];
  helpHistory?: Array<{ at: Date; kind: ConsoleHelpEvent["kind"] }>;
};

const keptSessions = 50;
/** Concurrent writers of one chat's session retry this often before giving up. */
const sessionWriteAttempts = 20;

const orders: Record<ConsoleQuery["sort"], Sort> = {
  last_activity: { lastActivityAt: -1, _id: -1 },
  started: { createdAt: -1, _id: -1 },
  duration: { sessionDurationMs: -1, _id: -1 },
  user: { userId: 1, lastActivityAt: -1, _id: -1 },
};

/**
 * The support console's reads on the MongoDB store. A chat's sessions live in its document, so a
 * session changes in one document write, made only if the session is still the one read (two
 * store instances writing one chat's activity at once: the later one reads again).
 *
 * @example
 * const consoleRepository = new MongoConsoleRepository(database);
 * await consoleRepository.init();
 */
export class MongoConsoleRepository implements ConsoleRepository {
  private readonly chats: Collection<ConsoleChatDocument>;
  private readonly users: Collection<{ _id: string; email: string; name: string }>;
  private readonly messages: Collection<{
    _id: string;
    chatId: string;
    finishReason?: string;
    createdAt: Date;
  }>;
  private readonly usageRecords: Collection<Document>;
  private readonly answerDrafts: Collection<{ _id: string; updatedAt: string }>;

  constructor(
    database: Db,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.chats = database.collection<ConsoleChatDocument>("chats");
    this.users = database.collection("users");
    this.messages = database.collection("messages");
    this.usageRecords = database.collection("usageRecords");
    this.answerDrafts = database.collection("answerDrafts");
  }

  /**
   * Creates the indexes the console's orders and totals read through, and gives chats from before
   * the console a session duration of 0 (as SQLite's column default does), so the duration order
   * and its cursors see every chat.
   */
  async init(): Promise<void> {
    await this.chats.updateMany(
      { sessionDurationMs: { $exists: false } },
      { $set: { sessionDurationMs: 0 } },
    );
    await Promise.all([
      this.chats.createIndexes([
        { key: { lastActivityAt: -1, _id: -1 }, name: "by_activity" },
        { key: { createdAt: -1, _id: -1 }, name: "by_start" },
        { key: { sessionDurationMs: -1, _id: -1 }, name: "by_session_duration" },
        { key: { model: 1, lastActivityAt: -1, _id: -1 }, name: "by_model_activity" },
      ]),
      this.usageRecords.createIndexes([
        { key: { chatId: 1 }, name: "by_chat" },
        { key: { createdAt: 1 }, name: "by_time" },
      ]),
      this.messages.createIndexes([
        {
          key: { createdAt: 1 },
          name: "errors_by_time",
          partialFilterExpression: { finishReason: "error" },
        },
      ]),
    ]);
  }

  async recordActivity(chatId: string, at: string, sessionIdleMs: number): Promise<void> {
    const instant = new Date(toSortableTimestamp(at));
    for (let attempt = 0; attempt < sessionWriteAttempts; attempt++) {
      const chat = await this.chats.findOne({ _id: chatId });
      if (!chat) return;
      const history = chat.sessionHistory ?? [];
      const current = history.at(-1);
      if (current && instant <= current.lastActivityAt) return;
      const continues = current && instant.getTime() - current.lastActivityAt.getTime() < sessionIdleMs;
      const session: SessionEntry = continues
        ? {
            startedAt: current.startedAt,
            lastActivityAt: instant,
            durationMs: instant.getTime() - current.startedAt.getTime(),
          }
        : { startedAt: instant, lastActivityAt: instant, durationMs: 0 };
      const nextHistory = [...(continues ? history.slice(0, -1) : history), session].slice(-keptSessions);
      const unchanged: Filter<ConsoleChatDocument> = current
        ? { _id: chatId, sessionLastAt: current.lastActivityAt }
        : { _id: chatId, sessionLastAt: { $exists: false } };
      const { matchedCount } = await this.chats.updateOne(unchanged, {
        $set: {
          sessionStartedAt: session.startedAt,
          sessionLastAt: session.lastActivityAt,
          sessionDurationMs: session.durationMs,
          sessions: (chat.sessions ?? 0) + (continues ? 0 : 1),
          sessionHistory: nextHistory,
        },
      });
      if (matchedCount > 0) return;
    }
  }

  async recordHelp(chatId: string, event: ConsoleHelpEvent): Promise<void> {
    const entry = { at: new Date(toSortableTimestamp(event.at)), kind: event.kind };
    await this.chats.updateOne({ _id: chatId }, { $push: { helpHistory: entry } });
  }

  async helpHistory(chatId: string): Promise<ConsoleHelpEvent[]> {
    const chat = await this.chats.findOne({ _id: chatId }, { projection: { helpHistory: 1 } });
    // Newest first; of two at the same instant, the one recorded later.
    return [...(chat?.helpHistory ?? [])]
      .reverse()
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .slice(0, 50)
      .map((entry) => ({ at: entry.at.toISOString(), kind: entry.kind }));
  }

  async listChats(query: ConsoleQuery, page: PageRequest): Promise<Page<ConsoleChat>> {
    checkLimit(page.limit, 1);
    const now = new Date(query.now);
    const conditions: Filter<ConsoleChatDocument>[] = [];
    const { filter } = query;
    if (filter.userId !== undefined) conditions.push({ userId: filter.userId });
    if (filter.model !== undefined) conditions.push({ model: filter.model });
    if (filter.from !== undefined)
      conditions.push({ createdAt: { $gte: new Date(toSortableTimestamp(filter.from)) } });
    if (filter.to !== undefined)
      conditions.push({ createdAt: { $lt: new Date(toSortableTimestamp(filter.to)) } });
    const activeSince = new Date(now.getTime() - CONSOLE_ACTIVE_WINDOW_MS);
    const idleSince = new Date(now.getTime() - query.sessionIdleMs);
    if (filter.status === "active") conditions.push({ lastActivityAt: { $gte: activeSince } });
    if (filter.status === "idle") conditions.push({ lastActivityAt: { $lt: activeSince, $gte: idleSince } });
    if (filter.status === "ended") conditions.push({ lastActivityAt: { $lt: idleSince } });
    if (filter.status === "needs_help") conditions.push({ needsHelp: true });
    if (filter.status === "assisted") conditions.push({ assisted: true });
    if (page.cursor !== undefined) conditions.push(afterCursor(decodeConsoleCursor(page.cursor, query.sort)));
    const documents = await this.chats
      .find(conditions.length > 0 ? { $and: conditions } : {})
      .sort(orders[query.sort])
      .limit(page.limit + 1)
      .toArray();
    const items = await this.toConsoleChats(documents.slice(0, page.limit), now, query.sessionIdleMs);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        documents.length > page.limit && last ? encodeConsoleCursor(consoleSortKey(query.sort, last)) : null,
    };
  }

  async getChat(chatId: string, now: string, sessionIdleMs: number): Promise<ConsoleChat | null> {
    const document = await this.chats.findOne({ _id: chatId });
    if (!document) return null;
    const [chat] = await this.toConsoleChats([document], new Date(now), sessionIdleMs);
    return chat ?? null;
  }

  async chatMetrics(chatId: string): Promise<{ metrics: ConsoleAnswerMetrics; sessions: ConsoleSession[] }> {
    const [sums] = await this.usageRecords
      .aggregate<{
        answers: number;
        ttftSum: number;
        ttftCount: number;
        ttftWorst: number | null;
        durationSum: number;
        durationWorst: number | null;
        inputTokens: number;
        outputTokens: number;
        costUsd: number;
      }>([
        { $match: { chatId } },
        {
          $addFields: {
            isAnswer: { $eq: ["$purpose", "answer"] },
            hasTtft: { $and: [{ $eq: ["$purpose", "answer"] }, { $ne: ["$timeToFirstTokenMs", null] }] },
          },
        },
        {
          $group: {
            _id: null,
            answers: { $sum: { $cond: ["$isAnswer", 1, 0] } },
            ttftSum: { $sum: { $cond: ["$hasTtft", "$timeToFirstTokenMs", 0] } },
            ttftCount: { $sum: { $cond: ["$hasTtft", 1, 0] } },
            ttftWorst: { $max: { $cond: ["$hasTtft", "$timeToFirstTokenMs", null] } },
            durationSum: { $sum: { $cond: ["$isAnswer", "$durationMs", 0] } },
            durationWorst: { $max: { $cond: ["$isAnswer", "$durationMs", null] } },
            inputTokens: { $sum: "$inputTokens" },
            outputTokens: { $sum: "$outputTokens" },
            costUsd: { $sum: "$costUsd" },
          },
        },
      ])
      .toArray();
    const chat = await this.chats.findOne({ _id: chatId }, { projection: { sessionHistory: 1 } });
    const sessions = [...(chat?.sessionHistory ?? [])].reverse().map((session) => ({
      startedAt: session.startedAt.toISOString(),
      lastActivityAt: session.lastActivityAt.toISOString(),
      durationMs: session.durationMs,
    }));
    const answers = sums?.answers ?? 0;
    return {
      metrics: {
        answers,
        timeToFirstTokenMs: {
          average: sums && sums.ttftCount > 0 ? sums.ttftSum / sums.ttftCount : null,
          worst: sums?.ttftWorst ?? null,
        },
        durationMs: {
          average: sums && answers > 0 ? sums.durationSum / answers : null,
          worst: sums?.durationWorst ?? null,
        },
        inputTokens: sums?.inputTokens ?? 0,
        outputTokens: sums?.outputTokens ?? 0,
        costUsd: sums?.costUsd ?? 0,
      },
      sessions,
    };
  }

  async totals(now: string, sessionIdleMs: number): Promise<ConsoleTotals> {
    const window = consoleTotalsWindow(new Date(now), sessionIdleMs);
    const day = { $dateToString: { format: "%Y-%m-%d", date: "$createdAt" } };
    const [activeUsers, openStreams, recentAnswers, usage, errors] = await Promise.all([
      this.chats
        .aggregate([
          { $match: { lastActivityAt: { $gte: new Date(window.activeSince) } } },
          { $group: { _id: "$userId" } },
        ])
        .toArray(),
      this.answerDrafts.countDocuments({ updatedAt: { $gte: window.streamingSince } }),
      this.usageRecords.countDocuments({
        createdAt: { $gte: new Date(window.answersSince) },
        purpose: "answer",
      }),
      this.usageRecords
        .aggregate<{
          _id: { day: string; model: string };
          answers: number;
          inputTokens: number;
          outputTokens: number;
          costUsd: number;
        }>([
          { $match: { createdAt: { $gte: new Date(window.firstDay) } } },
          {
            $group: {
              _id: { day, model: "$model" },
              answers: { $sum: { $cond: [{ $eq: ["$purpose", "answer"] }, 1, 0] } },
              inputTokens: { $sum: "$inputTokens" },
              outputTokens: { $sum: "$outputTokens" },
              costUsd: { $sum: "$costUsd" },
            },
          },
          { $sort: { "_id.day": -1, costUsd: -1, "_id.model": 1 } },
        ])
        .toArray(),
      this.messages
        .aggregate<{ _id: string; errors: number }>([
          { $match: { finishReason: "error", createdAt: { $gte: new Date(window.firstDay) } } },
          { $group: { _id: day, errors: { $sum: 1 } } },
          { $sort: { _id: -1 } },
        ])
        .toArray(),
    ]);
    return {
      at: window.at,
      activeUsers: activeUsers.length,
      openStreams,
      answersPerMinute: recentAnswers / window.answersMinutes,
      usageByDay: usage.map((row) => ({
        day: row._id.day,
        model: row._id.model,
        answers: row.answers,
        inputTokens: row.inputTokens,
        outputTokens: row.outputTokens,
        costUsd: row.costUsd,
      })),
      providerErrorsByDay: errors.map((row) => ({ day: row._id, errors: row.errors })),
    };
  }

  private async toConsoleChats(
    documents: ConsoleChatDocument[],
    now: Date,
    sessionIdleMs: number,
  ): Promise<ConsoleChat[]> {
    const userIds = [...new Set(documents.map((document) => document.userId))];
    const users = new Map(
      (await this.users.find({ _id: { $in: userIds } }).toArray()).map((user) => [user._id, user]),
    );
    const counts = await Promise.all(
      documents.map((document) => this.messages.countDocuments({ chatId: document._id })),
    );
    return documents.map((document, index) => {
      const user = users.get(document.userId);
      const lastActivityAt = document.lastActivityAt.toISOString();
      return {
        id: document._id,
        title: this.cipher.open("chat.title", document.title),
        model: document.model,
        userId: document.userId,
        userEmail: user?.email ?? "",
        userName: user?.name ?? "",
        createdAt: document.createdAt.toISOString(),
        lastActivityAt,
        sessionStartedAt: (document.sessionStartedAt ?? document.createdAt).toISOString(),
        sessionDurationMs: document.sessionDurationMs ?? 0,
        sessions: document.sessions ?? 1,
        activity: consoleActivityOf(lastActivityAt, now, sessionIdleMs),
        needsHelp: document.needsHelp === true,
        assisted: document.assisted === true,
        heldBy: document.heldBy ?? null,
        messageCount: counts[index] ?? 0,
      };
    });
  }
}

/** The chats after a cursor's position, in its order. */
function afterCursor(key: ReturnType<typeof decodeConsoleCursor>): Filter<ConsoleChatDocument> {
  if (key.sort === "duration") {
    return {
      $or: [
        { sessionDurationMs: { $lt: key.durationMs } },
        { sessionDurationMs: key.durationMs, _id: { $lt: key.id } },
      ],
    };
  }
  const at = new Date(key.at);
  const field = key.sort === "started" ? "createdAt" : "lastActivityAt";
  const within: Filter<ConsoleChatDocument> = {
    $or: [{ [field]: { $lt: at } }, { [field]: at, _id: { $lt: key.id } }],
  };
  if (key.sort !== "user") return within;
  return { $or: [{ userId: { $gt: key.userId } }, { $and: [{ userId: key.userId }, within] }] };
}
