/**
 * Housekeeping for the in-memory adapters: `due()`, called after each write, runs `sweep` at most
 * once per `intervalMs`, so a long-running process forgets what expired without a timer of its own.
 */
export class PeriodicSweep {
  private nextAt: number;

  constructor(
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly sweep: (now: number) => void,
  ) {
    this.nextAt = now() + intervalMs;
  }

  due(): void {
    const now = this.now();
    if (now < this.nextAt) return;
    this.nextAt = now + this.intervalMs;
    this.sweep(now);
  }
}

/** The entry under `id` unless it has expired by `now`; an expired one is dropped. */
export function liveEntry<T extends { expiresAt: number }>(
  entries: Map<string, T>,
  id: string,
  now: number,
): T | undefined {
  const entry = entries.get(id);
  if (entry && entry.expiresAt <= now) {
    entries.delete(id);
    return undefined;
  }
  return entry;
}

/** Drops every entry that has expired by `now`. */
export function dropExpired(entries: Map<string, { expiresAt: number }>, now: number): void {
  for (const [id, entry] of entries) if (entry.expiresAt <= now) entries.delete(id);
}

/** How often forgotten buckets, leases, tickets and revocations are swept; they come and go far faster than chats. */
export const rateSweepIntervalMs = 60_000;
