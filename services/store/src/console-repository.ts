import type {
  ConsoleAnswerMetrics,
  ConsoleChat,
  ConsoleChatFilter,
  ConsoleHelpEvent,
  ConsoleSession,
  ConsoleSort,
  ConsoleTotals,
} from "@chat/contracts";
import type { Page, PageRequest } from "./chat-repository.ts";

/** What the console lists: the filters, the order, and the clock and idle time statuses follow. */
export type ConsoleQuery = {
  filter: ConsoleChatFilter;
  sort: ConsoleSort;
  now: string;
  sessionIdleMs: number;
};

/**
 * The port of the support console's reads over every user's chats, and of the sessions it shows.
 * A session is a chat's activity with no gap of `sessionIdleMs` or more; `recordActivity` ends the
 * current one and starts the next when the gap is longer, so the record is decided by the write
 * that comes after the gap, on whichever store instance, and needs no clock of its own.
 * Adapters: `SqliteConsoleRepository` and `MongoConsoleRepository`.
 */
export interface ConsoleRepository {
  /**
   * Counts activity of the chat at `at` (its creation, a message): extends the current session, or
   * starts a new one when `at` comes `sessionIdleMs` or more after its last activity. Activity older
   * than the current session's last (a redelivered write) changes nothing; so does an unknown chat.
   */
  recordActivity(chatId: string, at: string, sessionIdleMs: number): Promise<void>;
  /** A page of chats of every user that match the filter, in the order asked; the cursor is opaque. */
  listChats(query: ConsoleQuery, page: PageRequest): Promise<Page<ConsoleChat>>;
  /** Notes that the chat's help request opened or closed at `at`; an unknown chat changes nothing. */
  recordHelp(chatId: string, event: ConsoleHelpEvent): Promise<void>;
  /** The chat's help requests opened and closed, newest first, at most 50. */
  helpHistory(chatId: string): Promise<ConsoleHelpEvent[]>;
  /** One chat as a row of the list, or null. */
  getChat(chatId: string, now: string, sessionIdleMs: number): Promise<ConsoleChat | null>;
  /** The chat's answers' timings, tokens and cost, and its sessions, newest first (at most 50). */
  chatMetrics(chatId: string): Promise<{ metrics: ConsoleAnswerMetrics; sessions: ConsoleSession[] }>;
  /** Totals over every chat and the usage ledger, as of `now`. */
  totals(now: string, sessionIdleMs: number): Promise<ConsoleTotals>;
}
