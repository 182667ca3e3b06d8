import type { StoreClient } from "@chat/bus";
import { AppError, ChatIdParams } from "@chat/contracts";
import type { ReplayLog } from "@chat/state";
import type { Server } from "bun";
import { Elysia, t } from "elysia";
import type { Caller } from "../auth/authenticator.ts";
import { type StreamAuthenticator, StreamTicketQuery } from "../auth/streams/stream-authenticator.ts";
import type { ChatAssistanceCommands } from "../chats/chat-assistance.ts";
import { EventsQuery } from "../chats/query-schemas.ts";
import type { RequestContext } from "../http/request-context.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import { feedChatEvents } from "../live/chat-event-feed.ts";
import type { LiveEventHub } from "../live/live-event-hub.ts";
import { openStreams } from "../live/open-streams.ts";
import type { StreamLease } from "../live/stream-leases.ts";
import { SseConnection, type SseConnectionSettings } from "./sse-connection.ts";

export type SseSettings = SseConnectionSettings;

const sseTransport = { transport: "sse" } as const;

const sseDescription =
  "Server-sent events: `event:` is the type, `data:` the JSON payload (see the *Data schemas), `id:` the replay-log id. " +
  "Reconnect with `Last-Event-ID` (or `?lastEventId=`) to get what was missed; an id the log no longer keeps answers an `error` event RESUME_EXPIRED. " +
  "A heartbeat comment comes every 15 s. " +
  "Authenticate with the session cookie, a Bearer token, or `?ticket=` from POST /api/stream-tickets (used once: " +
  "EventSource reconnects to the same URL, so a ticket-holding client opens a new stream with a new ticket). " +
  "A user has at most MAX_STREAMS_PER_USER streams open at once (SSE and WebSocket together); one more answers 429 RATE_LIMITED before it starts.";

const ChatEventsQuery = t.Object({ ...EventsQuery.properties, ...StreamTicketQuery.properties });

/** The SSE streams: one chat's events, and the user's own stream of notifications. */
export function eventRoutes(dependencies: {
  requestContext: RequestContext;
  store: StoreClient;
  /** Cookie, Bearer or a single-use `?ticket=`; the sign-in checked again at each heartbeat. */
  authenticator: Pick<StreamAuthenticator, "authenticate" | "checkSignIn">;
  /** Staff may follow any user's chat (a takeover). */
  assistance: Pick<ChatAssistanceCommands, "staffMayFollow">;
  hub: LiveEventHub;
  replayLog: ReplayLog;
  sse: SseSettings;
  connections: Set<SseConnection>;
  rateLimits: Pick<RateLimits, "openStream">;
}) {
  const { store, authenticator, assistance, hub, replayLog, sse, connections, rateLimits } = dependencies;
  /**
   * Holds an open stream until it closes: in `connections` (closed on stop), in the metrics, and
   * under its lease. Not inside a route's async handler: a closure made there would keep the
   * handler's whole frame (the request's context, the chat read) for as long as the stream is open.
   */
  const hold = (connection: SseConnection, lease: StreamLease) => {
    connections.add(connection);
    openStreams.inc(sseTransport);
    lease.keepAlive();
    connection.onClose(() => {
      connections.delete(connection);
      openStreams.dec(sseTransport);
      void lease.release();
    });
    return connection;
  };
  /**
   * A stream of the user's, counted under MAX_STREAMS_PER_USER until it closes: 429 before it
   * starts when over. It closes when the client goes away (Bun cancels the response's stream, also
   * one returned after the client left), so no listener on the request's signal is needed.
   */
  const open = async (caller: Caller) => {
    const lease = await rateLimits.openStream(caller.user.id);
    const connection = hold(new SseConnection(sse), lease);
    connection.closeWhenSignInEnds(() => authenticator.checkSignIn(caller.signIn));
    return connection;
  };

  /**
   * Lifts the server's idle timeout for a stream: it counts only bytes received, so it would cut
   * a stream the client just listens to; the heartbeat finds a client that is gone instead.
   */
  const keepOpen = (server: Server<unknown> | null, request: Request) => server?.timeout(request, 0);

  /** The user's events have no replay log: after a gap the client reconnects and reloads. */
  const feedUserEvents = async (connection: SseConnection, userId: string) => {
    const unsubscribe = await hub.followUser(
      userId,
      (event) => connection.send(event),
      () => connection.close(sse.retryMs),
    );
    connection.onClose(() => void unsubscribe());
  };

  return new Elysia({ name: "event-routes", prefix: "/api" })
    .use(dependencies.requestContext)
    .resolve(async ({ headers, query }) => {
      const caller = await authenticator.authenticate(headers, query.ticket);
      return { caller, user: caller.user };
    })
    .get(
      "/chats/:id/events",
      async ({ params, query, headers, caller, user, traceparent, request, server }) => {
        const found =
          (await store.call(
            "store.get_chat",
            { chatId: params.id, userId: user.id, messageLimit: 0 },
            traceparent,
          )) !== null || (await assistance.staffMayFollow(caller, params.id, traceparent));
        if (!found) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
        const connection = await open(caller);
        keepOpen(server, request);
        try {
          await feedChatEvents({
            sink: connection,
            hub,
            replayLog,
            chatId: params.id,
            lastEventId: headers["last-event-id"] ?? query.lastEventId ?? null,
          });
        } catch (error) {
          connection.close();
          throw error;
        }
        return connection.toResponse();
      },
      {
        params: ChatIdParams,
        query: ChatEventsQuery,
        detail: {
          tags: ["events"],
          summary: "Stream a chat's events (SSE)",
          description: sseDescription,
          responses: streamResponses({ withChat: true }),
        },
      },
    )
    .get(
      "/events",
      async ({ caller, user, request, server }) => {
        const connection = await open(caller);
        keepOpen(server, request);
        try {
          await feedUserEvents(connection, user.id);
        } catch (error) {
          connection.close();
          throw error;
        }
        return connection.toResponse();
      },
      {
        query: StreamTicketQuery,
        detail: {
          tags: ["events"],
          summary: "Stream the user's notifications and chat updates from every device (SSE)",
          description:
            "Authenticate as for a chat's events: the session cookie, a Bearer token or `?ticket=`.",
          responses: streamResponses({ withChat: false }),
        },
      },
    );
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
});

/** OpenAPI answers of the SSE routes, which return a stream and so carry no response schema. */
function streamResponses(options: { withChat: boolean }) {
  return {
    200: {
      description: "The event stream",
      content: { "text/event-stream": { schema: { type: "string" as const } } },
    },
    401: errorResponse("No valid session, token or ticket"),
    ...(options.withChat ? { 404: errorResponse("No such chat of this user") } : {}),
    429: errorResponse("Too many open streams of this user (MAX_STREAMS_PER_USER)"),
  };
}
