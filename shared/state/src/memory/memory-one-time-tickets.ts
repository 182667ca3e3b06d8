import type { OneTimeTickets } from "../actor-state.ts";
import { isTicketShaped, newTicket } from "../tickets.ts";
import { checkTtlSeconds } from "../ttl-seconds.ts";
import { dropExpired, liveEntry, PeriodicSweep, rateSweepIntervalMs } from "./periodic-sweep.ts";

type StoredTicket = { payload: string; expiresAt: number };

/** Tickets in this process's memory, each redeemed at most once before it expires. */
export class MemoryOneTimeTickets implements OneTimeTickets {
  private readonly issued = new Map<string, StoredTicket>();
  private readonly sweep: PeriodicSweep;

  constructor(private readonly now: () => number) {
    this.sweep = new PeriodicSweep(now, rateSweepIntervalMs, (at) => dropExpired(this.issued, at));
  }

  async issue(payload: string, ttlSeconds: number): Promise<string> {
    checkTtlSeconds(ttlSeconds);
    const ticket = newTicket();
    this.issued.set(ticket, { payload, expiresAt: this.now() + ttlSeconds * 1_000 });
    this.sweep.due();
    return ticket;
  }

  async redeem(ticket: string): Promise<string | null> {
    if (!isTicketShaped(ticket)) return null;
    const stored = liveEntry(this.issued, ticket, this.now());
    this.issued.delete(ticket);
    return stored?.payload ?? null;
  }
}
