import { type Static, Type } from "@sinclair/typebox";
import { AuditEntry } from "./admin.ts";
import { busMessage } from "./bus/envelope.ts";
import { ChatHold, Id, Message, Timestamp } from "./http.ts";

/**
 * A conversation counts as `active` while its last activity is this recent; after that it is
 * `idle` until SESSION_IDLE_MINUTES have passed, then `ended`.
 */
export const CONSOLE_ACTIVE_WINDOW_MS = 60_000;

/** How long a conversation's session lasts without activity, unless SESSION_IDLE_MINUTES says otherwise. */
export const DEFAULT_SESSION_IDLE_MINUTES = 15;

/**
 * What the console filters by. `active`, `idle` and `ended` follow from the last activity and the
 * clock; `needs_help` is an open help request; `assisted` a chat an agent took over at least once.
 */
export const ConsoleChatStatus = Type.Union([
  Type.Literal("active"),
  Type.Literal("idle"),
  Type.Literal("ended"),
  Type.Literal("needs_help"),
  Type.Literal("assisted"),
]);
export type ConsoleChatStatus = Static<typeof ConsoleChatStatus>;

/** The activity part of a status: where the clock puts a conversation. */
export type ConsoleActivity = "active" | "idle" | "ended";

/**
 * How the console sorts: `started` (creation), `last_activity`, `duration` (of the current or last
 * session), each newest or longest first; `user` groups each user's chats (by user id), newest
 * activity first within.
 */
export const ConsoleSort = Type.Union([
  Type.Literal("last_activity"),
  Type.Literal("started"),
  Type.Literal("duration"),
  Type.Literal("user"),
]);
export type ConsoleSort = Static<typeof ConsoleSort>;

/** The filters of the console's list; every filter given must match. */
export const ConsoleChatFilter = Type.Object({
  userId: Type.Optional(Id),
  status: Type.Optional(ConsoleChatStatus),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  from: Type.Optional(Type.String({ format: "date-time", description: "Started at or after" })),
  to: Type.Optional(Type.String({ format: "date-time", description: "Started before" })),
});
export type ConsoleChatFilter = Static<typeof ConsoleChatFilter>;

/** One conversation as a row of the console's list. */
export const ConsoleChat = Type.Object(
  {
    id: Id,
    title: Type.String(),
    model: Type.String(),
    userId: Id,
    userEmail: Type.String({ description: "Empty when the user is gone" }),
    userName: Type.String(),
    createdAt: Timestamp,
    lastActivityAt: Timestamp,
    sessionStartedAt: Timestamp,
    sessionDurationMs: Type.Integer({
      minimum: 0,
      description: "From the session's start to its last activity (the session of lastActivityAt)",
    }),
    sessions: Type.Integer({ minimum: 1, description: "Sessions so far, the current one included" }),
    activity: Type.Union([Type.Literal("active"), Type.Literal("idle"), Type.Literal("ended")], {
      description: "As of the answer; clients move it on with the clock from lastActivityAt",
    }),
    needsHelp: Type.Boolean(),
    assisted: Type.Boolean(),
    heldBy: Type.Union([ChatHold, Type.Null()]),
    messageCount: Type.Integer({ minimum: 0 }),
  },
  { $id: "ConsoleChat" },
);
export type ConsoleChat = Static<typeof ConsoleChat>;

/** One page of the console's list. */
export const ConsoleChatPage = Type.Object(
  {
    chats: Type.Array(ConsoleChat),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
    sessionIdleMinutes: Type.Integer({
      minimum: 1,
      description: "SESSION_IDLE_MINUTES, to move statuses on",
    }),
  },
  { $id: "ConsoleChatPage" },
);
export type ConsoleChatPage = Static<typeof ConsoleChatPage>;

/** A session of a conversation: activity with no gap of SESSION_IDLE_MINUTES or more. */
export const ConsoleSession = Type.Object({
  startedAt: Timestamp,
  lastActivityAt: Timestamp,
  durationMs: Type.Integer({ minimum: 0 }),
});
export type ConsoleSession = Static<typeof ConsoleSession>;

/** What a conversation's answers took and cost, summed from the usage ledger. */
export const ConsoleAnswerMetrics = Type.Object({
  answers: Type.Integer({ minimum: 0 }),
  timeToFirstTokenMs: Type.Object({
    average: Type.Union([Type.Number(), Type.Null()]),
    worst: Type.Union([Type.Number(), Type.Null()]),
  }),
  durationMs: Type.Object({
    average: Type.Union([Type.Number(), Type.Null()]),
    worst: Type.Union([Type.Number(), Type.Null()]),
  }),
  inputTokens: Type.Integer({ minimum: 0 }),
  outputTokens: Type.Integer({ minimum: 0 }),
  costUsd: Type.Number({ minimum: 0 }),
});
export type ConsoleAnswerMetrics = Static<typeof ConsoleAnswerMetrics>;

/** A help request of a conversation opened or closed (withdrawn, or closed by a takeover), as the store saw its mark change. */
export const ConsoleHelpEvent = Type.Object({
  at: Timestamp,
  kind: Type.Union([Type.Literal("requested"), Type.Literal("closed")]),
});
export type ConsoleHelpEvent = Static<typeof ConsoleHelpEvent>;

/** A conversation in the console's detail view. */
export const ConsoleChatDetail = Type.Object(
  {
    chat: ConsoleChat,
    messages: Type.Array(Message, { description: "The newest 100, oldest first" }),
    hasOlderMessages: Type.Boolean(),
    metrics: ConsoleAnswerMetrics,
    sessions: Type.Array(ConsoleSession, { description: "Newest first, at most 50" }),
    history: Type.Array(AuditEntry, { description: "Takeovers, agent messages and releases, newest first" }),
    helpRequests: Type.Array(ConsoleHelpEvent, {
      description: "Help requests opened and closed, newest first, at most 50",
    }),
  },
  { $id: "ConsoleChatDetail" },
);
export type ConsoleChatDetail = Static<typeof ConsoleChatDetail>;

/** Tokens, cost and answers of one model on one day (UTC). */
export const ConsoleDailyUsage = Type.Object({
  day: Type.String({ description: "YYYY-MM-DD, UTC" }),
  model: Type.String(),
  answers: Type.Integer({ minimum: 0 }),
  inputTokens: Type.Integer({ minimum: 0 }),
  outputTokens: Type.Integer({ minimum: 0 }),
  costUsd: Type.Number({ minimum: 0 }),
});
export type ConsoleDailyUsage = Static<typeof ConsoleDailyUsage>;

/** The console's totals, as of `at`. */
export const ConsoleTotals = Type.Object(
  {
    at: Timestamp,
    activeUsers: Type.Integer({ minimum: 0, description: "Users with activity within SESSION_IDLE_MINUTES" }),
    openStreams: Type.Integer({
      minimum: 0,
      description: "Answers being generated now (started, not yet written, checkpointed within a minute)",
    }),
    answersPerMinute: Type.Number({ minimum: 0, description: "Over the last five minutes" }),
    usageByDay: Type.Array(ConsoleDailyUsage, { description: "The last 7 days, newest first" }),
    providerErrorsByDay: Type.Array(
      Type.Object({ day: Type.String(), errors: Type.Integer({ minimum: 0 }) }),
      { description: "Answers that ended in a provider error, the last 7 days, newest first" },
    ),
  },
  { $id: "ConsoleTotals" },
);
export type ConsoleTotals = Static<typeof ConsoleTotals>;

/**
 * Published by the store (not durable: a console that missed one reloads its page) after every
 * write that changes a conversation's row: created, a message, marks, settings, deleted.
 */
export const ChatActivity = busMessage("chat_activity", {
  userId: Id,
  change: Type.Union([Type.Literal("changed"), Type.Literal("deleted")]),
});
export type ChatActivity = Static<typeof ChatActivity>;

/** Routing key of a conversation's activity for the console. */
export function chatActivityKey(chatId: string): string {
  return `console.chat.${chatId}`;
}

/** Where the clock puts a conversation whose last activity was at `lastActivityAt`. */
export function consoleActivityOf(lastActivityAt: string, now: Date, sessionIdleMs: number): ConsoleActivity {
  const since = now.getTime() - Date.parse(lastActivityAt);
  if (since < CONSOLE_ACTIVE_WINDOW_MS) return "active";
  return since < sessionIdleMs ? "idle" : "ended";
}
