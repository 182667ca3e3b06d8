import type { Redis } from "ioredis";
import type { OneTimeTickets } from "../actor-state.ts";
import { isTicketShaped, newTicket } from "../tickets.ts";
import { checkTtlSeconds } from "../ttl-seconds.ts";
import type { RedisKeySpace } from "./redis-key-space.ts";

/** Tickets in Redis: a string per ticket with its TTL, read and deleted at once (GETDEL). */
export class RedisOneTimeTickets implements OneTimeTickets {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeySpace,
  ) {}

  async issue(payload: string, ttlSeconds: number): Promise<string> {
    checkTtlSeconds(ttlSeconds);
    // NX: a ticket is never overwritten, even in the (astronomically unlikely) event of a repeat.
    for (;;) {
      const ticket = newTicket();
      if (await this.client.set(this.keys.ticket(ticket), payload, "EX", ttlSeconds, "NX")) return ticket;
    }
  }

  async redeem(ticket: string): Promise<string | null> {
    if (!isTicketShaped(ticket)) return null;
    return this.client.getdel(this.keys.ticket(ticket));
  }
}
