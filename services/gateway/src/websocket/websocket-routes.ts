import type { StoreClient } from "@chat/bus";
import { AppError } from "@chat/contracts";
import type { Logger } from "@chat/runtime";
import type { ReplayLog } from "@chat/state";
import { Elysia } from "elysia";
import type { AdminCommands } from "../admin/admin-commands.ts";
import type { Caller } from "../auth/authenticator.ts";
import type { StreamAuthenticator } from "../auth/streams/stream-authenticator.ts";
import type { ChatCommands } from "../chats/chat-commands.ts";
import { isAllowedInitiator, type OriginPolicySettings } from "../http/origins/origin-policy.ts";
import type { RequestContext } from "../http/request-context.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import type { LiveEventHub } from "../live/live-event-hub.ts";
import { openStreams } from "../live/open-streams.ts";
import { sessionProtocol } from "./session-protocol.ts";
import {
  type WebSocketPeer,
  type WebSocketProtocol,
  WebSocketSession,
  type WebSocketSessionDependencies,
  type WebSocketSessionSettings,
} from "./websocket-session.ts";

/** Elysia's own handlers of one connection, kept in its data; Bun's `message` handler calls this one. */
type ConnectionHandlers = { message?: (socket: unknown, message: string | Uint8Array) => unknown };

/**
 * Hands `receive` each frame as Bun received it: text, or bytes for a binary frame. Elysia's own
 * dispatcher would JSON-parse a text frame before any hook sees it, so a frame could not be
 * measured (size, nesting depth) before it is parsed and walked.
 */
function receiveRawFrames(data: object, receive: (message: string | Uint8Array) => void): void {
  (data as ConnectionHandlers).message = (_socket, message) => receive(message);
}

/**
 * Server options of the WebSocket: the session does keep-alive itself (Bun's idle timeout and
 * automatic pings are off), and frames past four times the soft limit end the connection (1009).
 */
export function webSocketServerOptions(settings: WebSocketSessionSettings) {
  return {
    idleTimeout: 0,
    sendPings: false,
    maxPayloadLength: settings.maxFrameBytes * 4,
    backpressureLimit: Math.max(settings.maxBufferedBytes * 2, 16 * 1024 * 1024),
    closeOnBackpressureLimit: false,
  };
}

/**
 * What sets one WebSocket endpoint apart: its path, how a connection's frames are read and
 * written, what is checked before the upgrade and what the session does once open.
 */
export type WebSocketEndpoint<Admitted> = {
  /** The upgrade path, such as `/ws`; also names the Elysia plugin. */
  path: string;
  /**
   * Checked once the caller is known, before the upgrade (a refusal is an HTTP error answer);
   * answers what the connection needs later (the Go Chat socket: its project's chat id).
   */
  admit(caller: Caller, query: Record<string, string | undefined>, traceparent: string): Promise<Admitted>;
  /** A protocol for one connection; `admitted` is what `admit` answered. */
  protocolFor(admitted: Admitted): WebSocketProtocol;
  /** Runs once the session has started (the Go Chat socket follows its project's chat). */
  opened?(session: WebSocketSession, admitted: Admitted): Promise<void>;
};

/** `GET /ws`: every frame of the session's own protocol; nothing more to check before the upgrade. */
export const sessionEndpoint: WebSocketEndpoint<void> = {
  path: "/ws",
  admit: async () => {},
  protocolFor: () => sessionProtocol,
};

/**
 * A WebSocket endpoint (`sessionEndpoint`: `GET /ws`). The upgrade is checked for its Origin
 * (browsers), then authenticated (cookie, Bearer or a single-use `?ticket=`: the Origin check
 * comes first, so a refused page does not spend a ticket), then by the endpoint's own `admit`;
 * each connection becomes a `WebSocketSession` speaking the endpoint's protocol.
 */
export function webSocketRoutes<Admitted>(
  dependencies: {
    requestContext: RequestContext;
    authenticator: Pick<StreamAuthenticator, "authenticate" | "checkSignIn">;
    commands: ChatCommands;
    admin: Pick<AdminCommands, "actorFor" | "setRole">;
    assistance: WebSocketSessionDependencies["assistance"];
    store: StoreClient;
    hub: LiveEventHub;
    replayLog: ReplayLog;
    logger: Logger;
    rateLimits: Pick<RateLimits, "openStream" | "webSocketFrames" | "takeFrame">;
    settings: WebSocketSessionSettings;
    origins: OriginPolicySettings;
    sessions: Set<WebSocketSession>;
  },
  endpoint: WebSocketEndpoint<Admitted>,
) {
  const { authenticator, sessions, rateLimits } = dependencies;
  // Keyed by the connection's data object: Elysia hands `pong` the raw socket and the other
  // handlers a wrapper, and both share it.
  const sessionOf = new WeakMap<object, WebSocketSession>();

  return new Elysia({ name: "websocket-routes", seed: endpoint.path })
    .use(dependencies.requestContext)
    .resolve(async ({ request, headers, query, traceparent }) => {
      // An Origin, when sent, must be allowed whatever the credentials; with a cookie it must be sent.
      if (
        !isAllowedInitiator(request, dependencies.origins, { originRequired: headers.cookie !== undefined })
      ) {
        throw new AppError("FORBIDDEN_ORIGIN", "This origin may not open the WebSocket", {
          retryable: false,
        });
      }
      const caller = await authenticator.authenticate(headers, query.ticket);
      const admitted = await endpoint.admit(caller, query, traceparent);
      const { user, signIn, listedAdmin } = caller;
      // Counted under MAX_STREAMS_PER_USER from here: over it, the upgrade answers 429. A lease
      // whose upgrade never completes is not kept alive, and expires.
      return { user, signIn, listedAdmin, admitted, streamLease: await rateLimits.openStream(user.id) };
    })
    .ws(endpoint.path, {
      detail: { hide: true },
      open(ws) {
        // Elysia types the socket with an older copy of Bun's declarations; it is Bun's own.
        const socket = ws.raw as unknown as WebSocketPeer;
        ws.data.streamLease.keepAlive();
        const { admitted } = ws.data;
        const session = new WebSocketSession(
          socket,
          { user: ws.data.user, signIn: ws.data.signIn, listedAdmin: ws.data.listedAdmin },
          ws.data.traceparent,
          { ...dependencies, signIns: authenticator, protocol: endpoint.protocolFor(admitted) },
        );
        sessionOf.set(ws.data, session);
        sessions.add(session);
        openStreams.inc({ transport: "websocket" });
        receiveRawFrames(ws.data, (message) => {
          session.receive(message).catch((error) => {
            dependencies.logger.error({ err: error }, "websocket frame failed unanswered");
          });
        });
        session
          .start()
          .then(() => endpoint.opened?.(session, admitted))
          .catch((error) => {
            dependencies.logger.error({ err: error }, "websocket session did not start");
            session.close(1011, "The gateway could not follow your events; reconnect");
          });
      },
      pong(ws) {
        sessionOf.get(ws.data)?.heardPong();
      },
      close(ws) {
        void ws.data.streamLease.release();
        const session = sessionOf.get(ws.data);
        if (!session) return;
        session.closed();
        sessions.delete(session);
        openStreams.dec({ transport: "websocket" });
        sessionOf.delete(ws.data);
      },
    });
}
