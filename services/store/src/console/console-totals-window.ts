/** How many days of usage and errors the console's totals cover, today included. */
export const CONSOLE_TOTALS_DAYS = 7;

/** Answers per minute are averaged over this many minutes. */
const answersMinutes = 5;

/** An answer counts as streaming while its draft was checkpointed this recently. */
const streamingWindowMs = 60_000;

/** The instants the console's totals count from, as of `now`: one definition for every adapter. */
export function consoleTotalsWindow(now: Date, sessionIdleMs: number) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return {
    at: now.toISOString(),
    activeSince: new Date(now.getTime() - sessionIdleMs).toISOString(),
    streamingSince: new Date(now.getTime() - streamingWindowMs).toISOString(),
    answersSince: new Date(now.getTime() - answersMinutes * 60_000).toISOString(),
    answersMinutes,
    firstDay: new Date(today - (CONSOLE_TOTALS_DAYS - 1) * 86_400_000).toISOString(),
  };
}

/** The UTC day (YYYY-MM-DD) of an instant. */
export function dayOf(at: Date | string): string {
  return (typeof at === "string" ? at : at.toISOString()).slice(0, 10);
}
