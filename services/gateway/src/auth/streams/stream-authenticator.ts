import { AppError, User } from "@chat/contracts";
import type { OneTimeTickets } from "@chat/state";
import { Value } from "@sinclair/typebox/value";
import { t } from "elysia";
import { type Authenticator, type Caller, SignIn } from "../authenticator.ts";

/**
 * What a stream ticket stands for; `purpose` keeps tickets issued for anything else out. The
 * sign-in that got the ticket goes with it, so a stream it opens ends with that sign-in.
 */
type StreamTicketPayload = { purpose: "stream"; user: User; signIn: SignIn; listedAdmin?: boolean };

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
 * Finds the caller of a stream and its sign-in: with a `ticket` (from the query string) the
 * ticket, redeemed once, whatever else the request carries; without one, the cookie or Bearer
 * token, as `Authenticator` does. A ticket that is unknown, expired or already used answers 401:
 * it never falls back to the cookie, so a client learns that its ticket is spent.
 *
 * @example
 * const { user, signIn } = await streams.authenticate(headers, query.ticket);
 * await streams.checkSignIn(signIn); // later: throws UNAUTHORIZED once signed out or expired
 */
export class StreamAuthenticator {
  constructor(
    private readonly authenticator: Pick<Authenticator, "identify" | "checkSignIn">,
    private readonly tickets: OneTimeTickets,
  ) {}

  /** A new ticket for `caller`, valid for one stream within `ttlSeconds`. */
  issue(caller: Caller, ttlSeconds: number): Promise<string> {
    const payload: StreamTicketPayload = { purpose: "stream", ...caller };
    return this.tickets.issue(JSON.stringify(payload), ttlSeconds);
  }

  /** Throws UNAUTHORIZED once the sign-in of an open stream has expired or ended. */
  checkSignIn(signIn: SignIn): Promise<void> {
    return this.authenticator.checkSignIn(signIn);
  }

  async authenticate(headers: Record<string, string | undefined>, ticket: unknown): Promise<Caller> {
    if (ticket === undefined) return this.authenticator.identify(headers);
    if (typeof ticket !== "string" || ticket.length === 0 || ticket.length > maxTicketLength) {
      throw unusableTicket();
    }
    const payload = await this.tickets.redeem(ticket);
    const caller = payload === null ? null : callerOf(payload);
    if (!caller) throw unusableTicket();
    // Signed out since the ticket was issued: the ticket ended with its sign-in.
    await this.authenticator.checkSignIn(caller.signIn);
    return caller;
  }
}

function callerOf(payload: string): Caller | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const { purpose, user, signIn, listedAdmin } = (parsed ?? {}) as Partial<StreamTicketPayload>;
  if (purpose !== "stream" || !Value.Check(User, user) || !Value.Check(SignIn, signIn)) return null;
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    signIn: { id: signIn.id, expiresAt: signIn.expiresAt },
    ...(typeof listedAdmin === "boolean" && { listedAdmin }),
  };
}
