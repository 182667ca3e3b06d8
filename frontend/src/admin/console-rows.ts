import type { ConsoleActivity, ConsoleChat, ConsoleChatStatus, ConsoleSort } from "@chat/contracts";

/**
 * CONSOLE_ACTIVE_WINDOW_MS of @chat/contracts: a conversation is active while its last activity is
 * this recent. Repeated here because importing a value from the contracts would bundle TypeBox.
 */
const activeWindowMs = 60_000;

/** The list's filters as the console's form holds them (the user by email). */
export type ConsoleRowFilter = {
  userEmail?: string;
  status?: ConsoleChatStatus;
  model?: string;
  from?: string;
  to?: string;
};

/** Where the clock puts the row now (its `activity` was decided when the server read it). */
export function activityNow(row: ConsoleChat, now: Date, sessionIdleMinutes: number): ConsoleActivity {
  const since = now.getTime() - Date.parse(row.lastActivityAt);
  if (since < activeWindowMs) return "active";
  return since < sessionIdleMinutes * 60_000 ? "idle" : "ended";
}

/**
 * Whether a row that arrived live belongs in a list with these filters, by the same rules as the
 * server's list.
 *
 * @example
 * rowMatches(row, { status: "needs_help" }, new Date(), 15); // row.needsHelp
 */
export function rowMatches(
  row: ConsoleChat,
  filter: ConsoleRowFilter,
  now: Date,
  sessionIdleMinutes: number,
): boolean {
  if (filter.userEmail && row.userEmail.toLowerCase() !== filter.userEmail.trim().toLowerCase()) return false;
  if (filter.model && row.model !== filter.model) return false;
  if (filter.from && row.createdAt < new Date(filter.from).toISOString()) return false;
  if (filter.to && row.createdAt >= new Date(filter.to).toISOString()) return false;
  switch (filter.status) {
    case "needs_help":
      return row.needsHelp;
    case "assisted":
      return row.assisted;
    case undefined:
      return true;
    default:
      return activityNow(row, now, sessionIdleMinutes) === filter.status;
  }
}

/** The server's order of `sort`, as a comparator: newest (or longest) first, ties by id, descending. */
export function compareRows(sort: ConsoleSort): (a: ConsoleChat, b: ConsoleChat) => number {
  const byId = (a: ConsoleChat, b: ConsoleChat) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  const descending = (a: string | number, b: string | number) => (a < b ? 1 : a > b ? -1 : 0);
  switch (sort) {
    case "started":
      return (a, b) => descending(a.createdAt, b.createdAt) || byId(a, b);
    case "duration":
      return (a, b) => descending(a.sessionDurationMs, b.sessionDurationMs) || byId(a, b);
    case "user":
      return (a, b) =>
        (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0) ||
        descending(a.lastActivityAt, b.lastActivityAt) ||
        byId(a, b);
    default:
      return (a, b) => descending(a.lastActivityAt, b.lastActivityAt) || byId(a, b);
  }
}

/**
 * The loaded rows with a live row put in (or taken out when it no longer matches): a new row goes
 * in only where the loaded pages reach, so paging on neither repeats nor skips it.
 */
export function mergeLiveRow(
  rows: ConsoleChat[],
  row: ConsoleChat,
  options: { sort: ConsoleSort; matches: boolean; complete: boolean },
): ConsoleChat[] {
  const others = rows.filter((existing) => existing.id !== row.id);
  if (!options.matches) return others;
  const compare = compareRows(options.sort);
  const last = others.at(-1);
  if (!options.complete && last && compare(row, last) > 0 && !rows.some((existing) => existing.id === row.id))
    return others;
  return [...others, row].sort(compare);
}

/** A duration as the console shows it: `45 s`, `12 min`, `3 h 20 min`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
