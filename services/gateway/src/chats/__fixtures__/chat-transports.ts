import { InProcessBus } from "@chat/bus";
import { AdminEmails, AppError, type ErrorBody } from "@chat/contracts";
import { Elysia } from "elysia";
import { AdminCommands } from "../../admin/admin-commands.ts";
import type { Authenticator } from "../../auth/authenticator.ts";
import { signedIn } from "../../auth/signed-in.ts";
import { StaffAccess } from "../../auth/staff-access.ts";
import { renderError } from "../../http/error-renderer.ts";
import { requestContext } from "../../http/request-context.ts";
import { LiveEventHub } from "../../live/live-event-hub.ts";
import { sessionProtocol } from "../../websocket/session-protocol.ts";
import {
  type WebSocketPeer,
  type WebSocketProtocol,
  WebSocketSession,
} from "../../websocket/websocket-session.ts";
import { chatRoutes } from "../chat-routes.ts";
import { UserChats } from "../user-chats.ts";
import { type fakeChatBackend, fakeUser } from "./fake-chat-backend.ts";

type FakeChatBackend = ReturnType<typeof fakeChatBackend>;

/** The only token the fake authenticator takes. */
export const goodToken = "good-token";

/** What a transport answered a chat command: its reply, or the error, in one shape for both. */
export type TransportAnswer =
  | { reply: unknown }
  | { error: { code: string; message: string; details?: Array<{ path: string; message: string }> } };

/** One chat command as either transport carries it. */
export type ChatTransport = {
  send(chatId: string, body: Record<string, unknown>): Promise<TransportAnswer>;
  regenerate(chatId: string, body: Record<string, unknown>): Promise<TransportAnswer>;
  cancel(chatId: string): Promise<TransportAnswer>;
  requestHelp(chatId: string, body: Record<string, unknown>): Promise<TransportAnswer>;
  cancelHelpRequest(chatId: string): Promise<TransportAnswer>;
};

const fakeAuthenticator: Pick<Authenticator, "identify"> = {
  async identify(headers) {
    if (headers.authorization !== `Bearer ${goodToken}`) {
      throw new AppError("UNAUTHORIZED", "Sign in: send a Bearer token", { retryable: false });
    }
    return { user: fakeUser, signIn: { id: "sign-in-1", expiresAt: Date.now() + 60_000 } };
  },
};

/** `chatRoutes` alone, with the app's error renderer, over the fake backend. */
export function chatRoutesApp(backend: FakeChatBackend) {
  const { logger } = backend;
  // As the gateway app: a body with unknown fields is refused, not trimmed.
  return new Elysia({ normalize: false })
    .onError(({ code, error, request, set }) => {
      const { status, body } = renderError(code, error, request, logger);
      set.status = status;
      return body;
    })
    .use(
      chatRoutes({
        signedIn: signedIn({
          requestContext: requestContext(logger, { trustProxy: false }),
          authenticator: fakeAuthenticator,
        }),
        store: backend.store,
        userChats: new UserChats({
          store: backend.store,
          models: backend.models,
          newId: () => crypto.randomUUID(),
        }),
        commands: backend.commands,
        assistance: backend.assistance,
      }),
    );
}

/** The HTTP transport: `POST /api/chats/:id/{messages,regenerate,cancel}` on `chatRoutesApp`. */
export function httpChatTransport(backend: FakeChatBackend): ChatTransport {
  const app = chatRoutesApp(backend);
  const post = async (
    path: string,
    body?: Record<string, unknown>,
    method = "POST",
  ): Promise<TransportAnswer> => {
    const response = await app.handle(
      new Request(`http://gateway.test/api/chats/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${goodToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const answer = await response.json();
    return response.status < 400 ? { reply: answer } : { error: (answer as ErrorBody).error };
  };
  return {
    send: (chatId, body) => post(`${chatId}/messages`, body),
    regenerate: (chatId, body) => post(`${chatId}/regenerate`, body),
    cancel: (chatId) => post(`${chatId}/cancel`),
    requestHelp: (chatId, body) => post(`${chatId}/help`, body),
    cancelHelpRequest: (chatId) => post(`${chatId}/help`, undefined, "DELETE"),
  };
}

/** A WebSocket peer that keeps every frame sent to it. */
export class RecordingPeer implements WebSocketPeer {
  readonly frames: Array<Record<string, unknown>> = [];
  closedWith: { code?: number; reason?: string } | null = null;

  send(data: Parameters<WebSocketPeer["send"]>[0]): number {
    this.frames.push(JSON.parse(String(data)));
    return 1;
  }
  ping(): number {
    return 1;
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  terminate(): void {}
  getBufferedAmount(): number {
    return 0;
  }
}

/** A `WebSocketSession` of `fakeUser` over a `RecordingPeer` and the fake backend, speaking `protocol`. */
export async function webSocketSessionOver(
  backend: FakeChatBackend,
  protocol: WebSocketProtocol = sessionProtocol,
) {
  const { logger } = backend;
  const bus = new InProcessBus({ partitions: 1, deliveryLimit: 3, logger });
  const hub = await LiveEventHub.open(bus, backend.actorState.replayLog, logger);
  const peer = new RecordingPeer();
  const session = new WebSocketSession(
    peer,
    { user: fakeUser, signIn: { id: "sign-in-1", expiresAt: Date.now() + 60_000 } },
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    {
      commands: backend.commands,
      admin: new AdminCommands({
        store: backend.store,
        access: new StaffAccess({
          store: backend.store,
          adminEmails: new AdminEmails(undefined),
          storedEmailsOwned: true,
        }),
        newId: () => crypto.randomUUID(),
      }),
      assistance: backend.assistance,
      store: backend.store,
      hub,
      replayLog: backend.actorState.replayLog,
      logger,
      rateLimits: backend.rateLimits,
      signIns: { checkSignIn: async () => {} },
      settings: {
        pingIntervalMs: 60_000,
        pongTimeoutMs: 1_000,
        maxBufferedBytes: 1_000_000,
        maxFrameBytes: 64_000,
      },
      protocol,
    },
  );
  const stop = async () => {
    session.closed();
    await hub.close();
    await bus.close();
  };
  return { session, peer, hub, stop };
}

/** The WebSocket transport: `chat_message`, `regenerate` and `cancel` frames to a `WebSocketSession`. */
export async function webSocketChatTransport(backend: FakeChatBackend) {
  const { session, peer, stop } = await webSocketSessionOver(backend);
  let requests = 0;
  const frame = async (fields: Record<string, unknown>): Promise<TransportAnswer> => {
    const requestId = `request-${++requests}`;
    await session.receive(JSON.stringify({ ...fields, requestId }));
    const answer = peer.frames.find(
      (sent) => sent.requestId === requestId && sent.type !== "subscribed" && sent.eventId === null,
    );
    if (!answer) throw new Error(`no answer to ${JSON.stringify(fields)}`);
    const { type, eventId: _eventId, chatId: _chatId, requestId: _requestId, ...rest } = answer;
    if (type !== "error") return { reply: rest };
    return {
      error: {
        code: String(rest.code),
        message: String(rest.error),
        ...(rest.details === undefined
          ? {}
          : { details: rest.details as Array<{ path: string; message: string }> }),
      },
    };
  };
  const transport: ChatTransport = {
    send: (chatId, body) => frame({ type: "chat_message", chatId, ...body }),
    regenerate: (chatId, body) => frame({ type: "regenerate", chatId, ...body }),
    cancel: (chatId) => frame({ type: "cancel", chatId }),
    requestHelp: (chatId, body) => frame({ type: "help_request", chatId, ...body }),
    cancelHelpRequest: (chatId) => frame({ type: "cancel_help_request", chatId }),
  };
  return { transport, peer, stop };
}
