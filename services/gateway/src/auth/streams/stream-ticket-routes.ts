import { StreamTicket } from "@chat/contracts";
import { Elysia } from "elysia";
import { apiModels } from "../../openai/api-models.ts";
import type { SignedIn } from "../signed-in.ts";
import type { StreamAuthenticator } from "./stream-authenticator.ts";

/**
 * `POST /api/stream-tickets`: a single-use ticket that opens one SSE stream or one WebSocket as
 * the signed-in user, for clients that cannot send a header there (EventSource, browsers'
 * WebSocket) and do not use the cookie.
 */
export function streamTicketRoutes(dependencies: {
  signedIn: SignedIn;
  streams: Pick<StreamAuthenticator, "issue">;
  ttlSeconds: number;
  /** The clock of `expiresAt`; tests pass their own. */
  now?: () => number;
}) {
  const { streams, ttlSeconds } = dependencies;
  const now = dependencies.now ?? Date.now;

  return new Elysia({ name: "stream-ticket-routes", prefix: "/api" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      "/stream-tickets",
      async ({ caller, status }) => {
        const expiresAt = new Date(now() + ttlSeconds * 1_000).toISOString();
        const ticket = await streams.issue(caller, ttlSeconds);
        return status(201, { ticket, expiresAt });
      },
      {
        response: { 201: StreamTicket, 401: "ErrorBody" },
        detail: {
          tags: ["events"],
          summary: "A single-use ticket for one SSE stream or WebSocket",
          description:
            `Add it as \`?ticket=\` to \`GET /api/chats/{id}/events\`, \`GET /api/events\` or the WebSocket URL \`/ws\`: ` +
            "it signs in that one request as you, once, until `expiresAt` (STREAM_TICKET_TTL_SECONDS). " +
            "A used, expired or unknown ticket answers 401 UNAUTHORIZED. The session cookie and a Bearer token work there too; " +
            "EventSource reconnects to the same URL, so with a ticket a client opens a new EventSource with a new ticket (and its Last-Event-ID as `?lastEventId=`).",
        },
      },
    );
}
