import type { StoreClient } from "@chat/clients";
import { AppError, ChatIdParams } from "@chat/contracts";
import type { ReplayLog } from "@chat/state";
import { Elysia } from "elysia";
import type { Authenticator } from "./authenticator.ts";
import { feedChatEvents, toLoggedEvent } from "./chat-event-feed.ts";
import type { LiveEventHub } from "./live-event-hub.ts";
import { EventsQuery } from "./query-schemas.ts";
import type { RequestContext } from "./request-context.ts";
import { SseConnection } from "./sse-connection.ts";

export type SseSettings = { heartbeatMs: number; maxBufferedBytes: number; retryMs: number };

const sseDescription =
  "Server-sent events: `event:` is the type, `data:` the JSON payload (see the *Data schemas), `id:` the replay-log id. " +
  "Reconnect with `Last-Event-ID` (or `?lastEventId=`) to get what was missed; an id the log no longer keeps answers an `error` event RESUME_EXPIRED. " +
  "A heartbeat comment comes every 15 s.";

/** The SSE streams: one chat's events, and the user's own stream of notifications. */
export function eventRoutes(dependencies: {
  requestContext: RequestContext;
  store: StoreClient;
  authenticator: Authenticator;
  hub: LiveEventHub;
  replayLog: ReplayLog;
  sse: SseSettings;
  connections: Set<SseConnection>;
}) {
  const { store, authenticator, hub, replayLog, sse, connections } = dependencies;
  const open = () => {
    const connection = new SseConnection(sse);
    connections.add(connection);
    connection.onClose(() => connections.delete(connection));
    return connection;
  };

  return new Elysia({ name: "event-routes", prefix: "/api" })
    .use(dependencies.requestContext)
    .resolve(async ({ headers }) => ({ user: await authenticator.authenticate(headers) }))
    .get(
      "/chats/:id/events",
      async ({ params, query, headers, user, traceparent, request }) => {
        const found = await store.call(
          "store.get_chat",
          { chatId: params.id, userId: user.id, messageLimit: 0 },
          traceparent,
        );
        if (!found) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
        const connection = open();
        request.signal.addEventListener("abort", () => connection.close());
        await feedChatEvents({
          sink: connection,
          hub,
          replayLog,
          chatId: params.id,
          lastEventId: headers["last-event-id"] ?? query.lastEventId ?? null,
        });
        return connection.response;
      },
      {
        params: ChatIdParams,
        query: EventsQuery,
        detail: { tags: ["events"], summary: "Stream a chat's events (SSE)", description: sseDescription },
      },
    )
    .get(
      "/events",
      async ({ user, request }) => {
        const connection = open();
        request.signal.addEventListener("abort", () => connection.close());
        const unsubscribe = await hub.subscribe(`user.${user.id}.`, (message) =>
          connection.send(toLoggedEvent(message)),
        );
        connection.onClose(() => void unsubscribe());
        return connection.response;
      },
      {
        detail: {
          tags: ["events"],
          summary: "Stream the user's notifications and chat updates from every device (SSE)",
        },
      },
    );
}
