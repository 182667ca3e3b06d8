import { randomBytes } from "node:crypto";

/** 32 random bytes, base64url: unguessable, and safe in a URL query without escaping. */
export function newTicket(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether `ticket` could be one `newTicket` made; anything else is refused before any lookup. */
export function isTicketShaped(ticket: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(ticket);
}
