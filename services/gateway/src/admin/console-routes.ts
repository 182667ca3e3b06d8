import type { StoreClient } from "@chat/bus";
import {
  AppError,
  ChatIdParams,
  ConsoleChatDetail,
  ConsoleChatPage,
  ConsoleChatStatus,
  ConsoleSort,
  ConsoleTotals,
  Id,
} from "@chat/contracts";
import type { Server } from "bun";
import { Elysia, t } from "elysia";
import type { StaffOnly } from "../auth/staff-only.ts";
import { PageQuery } from "../chats/query-schemas.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import { openStreams } from "../live/open-streams.ts";
import { apiModels } from "../openai/api-models.ts";
import { SseConnection, type SseConnectionSettings } from "../sse/sse-connection.ts";
import type { ConsoleActivityFeed } from "./console-activity-feed.ts";

const ConsoleChatsQuery = t.Object({
  ...PageQuery.properties,
  sort: t.Optional(ConsoleSort),
  status: t.Optional(ConsoleChatStatus),
  model: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  userId: t.Optional(t.String({ ...Id, description: "Only this user's chats" })),
  userEmail: t.Optional(
    t.String({ minLength: 1, maxLength: 320, description: "Only the chats of the user with this email" }),
  ),
  from: t.Optional(t.String({ format: "date-time", description: "Started at or after" })),
  to: t.Optional(t.String({ format: "date-time", description: "Started before" })),
});

/** How many of the newest messages the console's detail view shows. */
const detailMessages = 100;

const staffErrors = { 400: "ErrorBody", 401: "ErrorBody", 403: "ErrorBody", 404: "ErrorBody" } as const;

const staffDescription =
  "For agents and admins. A signed-in caller without a staff role gets 404 ROUTE_NOT_FOUND, as for a route that does not exist.";

const sseTransport = { transport: "sse" } as const;

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
});

/**
 * `/api/admin/console`: the support console's list of every user's conversations (paged, filtered,
 * sorted), one conversation's detail, the totals, and the live list as SSE. For agents and admins.
 */
export function consoleRoutes(dependencies: {
  staffOnly: StaffOnly;
  store: Pick<StoreClient, "call">;
  feed: Pick<ConsoleActivityFeed, "follow">;
  sessionIdleMinutes: number;
  sse: SseConnectionSettings;
  connections: Set<SseConnection>;
  rateLimits: Pick<RateLimits, "openStream">;
  now?: () => Date;
}) {
  const { store, feed, sse, connections, rateLimits, sessionIdleMinutes } = dependencies;
  const now = () => (dependencies.now?.() ?? new Date()).toISOString();

  /** The console's stream, counted like the user's other streams, closed on stop like them. */
  const openConsoleStream = async (userId: string) => {
    const lease = await rateLimits.openStream(userId);
    const connection = new SseConnection(sse);
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

  /** The live rows go to the connection until it closes; a gap closes it, and the console reloads. */
  const feedRows = async (connection: SseConnection) => {
    const stop = await feed.follow({
      onChat: (chat) => connection.sendUnlogged("chat", chat),
      onDeleted: (chatId) => connection.sendUnlogged("chat_deleted", { chatId }),
      onGap: () => connection.close(sse.retryMs),
    });
    connection.onClose(() => void stop());
  };

  return new Elysia({ name: "console-routes", prefix: "/api/admin/console" })
    .use(apiModels)
    .use(dependencies.staffOnly)
    .get(
      "/chats",
      async ({ query, traceparent }) => {
        let userId = query.userId;
        if (query.userEmail !== undefined) {
          const user = await store.call("store.find_user_by_email", { email: query.userEmail }, traceparent);
          if (!user || (userId !== undefined && user.id !== userId))
            return { chats: [], nextCursor: null, sessionIdleMinutes };
          userId = user.id;
        }
        const page = await store.call(
          "store.list_console_chats",
          {
            filter: {
              ...(userId !== undefined && { userId }),
              ...(query.status !== undefined && { status: query.status }),
              ...(query.model !== undefined && { model: query.model }),
              ...(query.from !== undefined && { from: query.from }),
              ...(query.to !== undefined && { to: query.to }),
            },
            sort: query.sort ?? "last_activity",
            now: now(),
            cursor: query.cursor,
            limit: query.limit ?? 30,
          },
          traceparent,
        );
        return { chats: page.items, nextCursor: page.nextCursor, sessionIdleMinutes };
      },
      {
        staff: "agent",
        query: ConsoleChatsQuery,
        response: { 200: ConsoleChatPage, ...staffErrors },
        detail: {
          tags: ["admin"],
          summary: "Every user's conversations, filtered and sorted, a page at a time (agent or admin)",
          description:
            `${staffDescription} Sorts: last_activity (default), started, duration (of the current or last session), user. ` +
            "Statuses: active (activity within the last minute), idle, ended (no activity for SESSION_IDLE_MINUTES), needs_help, assisted. " +
            "A cursor belongs to its sort: another sort's is 400 VALIDATION_FAILED.",
        },
      },
    )
    .get(
      "/chats/:id",
      async ({ params, traceparent }) => {
        const detail = await store.call(
          "store.get_console_chat",
          { chatId: params.id, now: now(), messageLimit: detailMessages },
          traceparent,
        );
        if (!detail) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
        return detail;
      },
      {
        staff: "agent",
        params: ChatIdParams,
        response: { 200: ConsoleChatDetail, ...staffErrors },
        detail: {
          tags: ["admin"],
          summary:
            "One conversation: messages, time to first token and answer duration, tokens, cost, sessions, takeover history (agent or admin)",
          description: staffDescription,
        },
      },
    )
    .get("/totals", ({ traceparent }) => store.call("store.console_totals", { now: now() }, traceparent), {
      staff: "agent",
      response: { 200: ConsoleTotals, ...staffErrors },
      detail: {
        tags: ["admin"],
        summary:
          "Active users, answers streaming, answers per minute, tokens and cost per day and model, provider errors",
        description: staffDescription,
      },
    })
    .get(
      "/events",
      async ({ user, request, server }) => {
        const connection = await openConsoleStream(user.id);
        (server as Server<unknown> | null)?.timeout(request, 0);
        try {
          await feedRows(connection);
        } catch (error) {
          connection.close();
          throw error;
        }
        connection.sendUnlogged("ready", { sessionIdleMinutes });
        return connection.toResponse();
      },
      {
        staff: "agent",
        detail: {
          tags: ["admin"],
          summary: "The console's live list (SSE): each conversation's row when it is created or changes",
          description:
            `${staffDescription} Events: \`ready\` (\`{sessionIdleMinutes}\`) once the stream follows every conversation — ` +
            "load or reload the page then; `chat` (a ConsoleChat) when a conversation is created or changes (a message, help, takeover, settings); " +
            "`chat_deleted` (`{chatId}`). The stream closes when activity may have been missed; reconnect and reload. " +
            "Counts under MAX_STREAMS_PER_USER like the user's other streams.",
          responses: {
            200: {
              description: "The event stream",
              content: { "text/event-stream": { schema: { type: "string" as const } } },
            },
            401: errorResponse("No valid session or token"),
            403: errorResponse("Not allowed"),
            404: errorResponse("ROUTE_NOT_FOUND: the caller has no staff role"),
            429: errorResponse("Too many open streams of this user (MAX_STREAMS_PER_USER)"),
          },
        },
      },
    );
}
