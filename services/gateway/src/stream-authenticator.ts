import { AppError, User } from "@chat/contracts";
import type { OneTimeTickets } from "@chat/state";
import { Value } from "@sinclair/typebox/value";
import { t } from "elysia";
import type { Authenticator } from "./authenticator.ts";

/** What a stream ticket stands for; `purpose` keeps tickets issued for anything else out. */
type StreamTicketPayload = { purpose: "stream"; user: User };

/** Longest ticket looked up; anything longer is unknown without asking the ticket store. */
const maxTicketLength = 256;

/** The `?ticket=` of the SSE URLs and the WebSocket upgrade. */
export const StreamTicketQuery = t.Object({
  ticket: t.Optional(
    t.String({
      description:
        "A ticket from POST /api/stream-tickets, for clients that cannot send the cookie or a header; used once",
    }),
  ),
});

function unusableTicket(): AppError {
  return new AppError("UNAUTHORIZED", "The stream ticket is unknown, expired or already used", {
    retryable: false,
  });
}

/**
 * Finds the caller of a stream: with a `ticket` (from the query string) the ticket, redeemed
 * once, whatever else the request carries; without one, the cookie or Bearer token, as
 * `Authenticator` does. A ticket that is unknown, expired or already used answers 401: it never
 * falls back to the cookie, so a client learns that its ticket is spent.
 *
 * @example
 * const user = await streams.authenticate(headers, query.ticket);
 */
export class StreamAuthenticator {
  constructor(
    private readonly authenticator: Pick<Authenticator, "authenticate">,
    private readonly tickets: OneTimeTickets,
  ) {}

  /** A new ticket for `user`, valid for one stream within `ttlSeconds`. */
  issue(user: User, ttlSeconds: number): Promise<string> {
    const payload: StreamTicketPayload = { purpose: "stream", user };
    return this.tickets.issue(JSON.stringify(payload), ttlSeconds);
  }

  async authenticate(headers: Record<string, string | undefined>, ticket: unknown): Promise<User> {
    if (ticket === undefined) return this.authenticator.authenticate(headers);
    if (typeof ticket !== "string" || ticket.length === 0 || ticket.length > maxTicketLength) {
      throw unusableTicket();
    }
    const payload = await this.tickets.redeem(ticket);
    const user = payload === null ? null : userOf(payload);
    if (!user) throw unusableTicket();
    return user;
  }
}

function userOf(payload: string): User | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const { purpose, user } = (parsed ?? {}) as Partial<StreamTicketPayload>;
  if (purpose !== "stream" || !Value.Check(User, user)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
