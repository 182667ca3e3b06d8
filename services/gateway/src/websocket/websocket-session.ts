import type { StoreClient } from "@chat/bus";
import {
  AppError,
  type ClientFrame,
  type LoggedChatEvent,
  type ReplyFrame,
  toWebSocketFrame,
  type User,
  WebSocketCloseCode,
} from "@chat/contracts";
import type { Logger } from "@chat/runtime";
import type { ReplayLog, TokenBucket } from "@chat/state";
import type { ServerWebSocket } from "bun";
import type { AdminCommands } from "../admin/admin-commands.ts";
import type { Caller, SignIn } from "../auth/authenticator.ts";
import type { ChatAssistanceCommands } from "../chats/chat-assistance.ts";
import type { ChatCommands } from "../chats/chat-commands.ts";
import { inFrameSpan } from "../http/request-spans.ts";
import { RateLimitedError, type RateLimits } from "../limits/rate-limits.ts";
import { feedChatEvents } from "../live/chat-event-feed.ts";
import type { LiveEventHub } from "../live/live-event-hub.ts";
import type { ClientFrameReading } from "./read-client-frame.ts";
import { WebSocketChatSubscription } from "./websocket-chat-subscription.ts";

/** What a session needs of Bun's server socket. */
export type WebSocketPeer = Pick<
  ServerWebSocket<unknown>,
  "send" | "ping" | "close" | "terminate" | "getBufferedAmount"
>;

export type WebSocketSessionSettings = {
  /** A protocol ping goes out this often... */
  pingIntervalMs: number;
  /** ...and a socket that has not answered it within this is taken as dead. */
  pongTimeoutMs: number;
  /** Unsent bytes a socket may hold; past it the client is told to resume elsewhere or later. */
  maxBufferedBytes: number;
  /** Largest inbound frame answered with anything but PAYLOAD_TOO_LARGE. */
  maxFrameBytes: number;
};

/**
 * How one WebSocket endpoint speaks: how it reads a client's frame into a command frame of the
 * session, and how it writes each frame the session sends. `/ws` speaks the session's own frames;
 * the Go Chat compatible `/ws/chat` translates both ways.
 */
export type WebSocketProtocol = {
  /** The frame as Bun received it, read (size, nesting, schema) into a frame the session runs. */
  read(message: string | Uint8Array, maxFrameBytes: number): ClientFrameReading;
  /** The frame as this protocol sends it; null for a frame it has no counterpart of (not sent). */
  write(frame: Record<string, unknown>): Record<string, unknown> | null;
};

export type WebSocketSessionDependencies = {
  /** Sends `chat_message`, `regenerate`, `edit_message`, `switch_branch` and `cancel`, as the HTTP routes do. */
  commands: Pick<
    ChatCommands,
    "send" | "regenerate" | "edit" | "switchBranch" | "cancel" | "update" | "delete"
  >;
  /** Staff frames (`set_user_role`), checked by the role the user has now, as the HTTP routes are. */
  admin: Pick<AdminCommands, "actorFor" | "setRole">;
  /** Help requests (users) and takeover frames (staff, checked by the role they have now). */
  assistance: Pick<
    ChatAssistanceCommands,
    | "requestHelp"
    | "cancelHelpRequest"
    | "agentFor"
    | "takeOver"
    | "agentMessage"
    | "release"
    | "staffMayFollow"
  >;
  store: Pick<StoreClient, "call">;
  hub: LiveEventHub;
  replayLog: ReplayLog;
  logger: Logger;
  rateLimits: Pick<RateLimits, "webSocketFrames" | "takeFrame">;
  /** Tells whether the socket's sign-in still holds (`StreamAuthenticator.checkSignIn`). */
  signIns: { checkSignIn(signIn: SignIn): Promise<void> };
  settings: WebSocketSessionSettings;
  protocol: WebSocketProtocol;
};

/** Chats one socket may follow at once. */
const maxSubscriptions = 100;
/** chat_updated comes both on the chat's stream and on the user's; this many ids are remembered to send it once. */
const rememberedChatUpdates = 32;

/**
 * One WebSocket connection of a signed-in user: its chat subscriptions, its share of the user's
 * own stream (`notification`, `chat_updated`), keep-alive pings and a bounded send buffer.
 * Frames are handled as they come; each failure answers an `error` frame and the socket stays.
 * The sign-in that opened it is checked again before each frame and at each ping: once it has
 * ended (signed out) or its token expired, the socket is closed with 4401.
 */
export class WebSocketSession {
  private readonly subscriptions = new Map<string, WebSocketChatSubscription>();
  private readonly sentChatUpdates: string[] = [];
  private leaveUserStream: (() => Promise<void>) | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongDeadline: ReturnType<typeof setTimeout> | null = null;
  private terminateTimer: ReturnType<typeof setTimeout> | null = null;
  private released = false;
  /** This socket's client frames, under RATE_LIMIT_WS_FRAMES_PER_MINUTE. */
  private readonly frames: TokenBucket;

  readonly user: User;
  private readonly signIn: SignIn;
  /** Whether ADMIN_EMAILS lists the email an identity provider's token verified (see `Caller`). */
  private readonly listedAdmin: boolean | undefined;

  constructor(
    private readonly socket: WebSocketPeer,
    caller: Caller,
    /** The upgrade request's trace context; each frame continues its trace. */
    private readonly traceparent: string,
    private readonly dependencies: WebSocketSessionDependencies,
  ) {
    this.user = caller.user;
    this.signIn = caller.signIn;
    this.listedAdmin = caller.listedAdmin;
    this.frames = dependencies.rateLimits.webSocketFrames();
  }

  /** Joins the user's own stream and starts the keep-alive and the sign-in checks. */
  async start(): Promise<void> {
    const { settings, hub } = this.dependencies;
    this.pingTimer = setInterval(() => {
      this.ping();
      // A revocation list that does not answer is asked again at the next ping.
      this.stillSignedIn().catch(() => {});
    }, settings.pingIntervalMs);
    // The user's events have no replay log: after a gap the client reconnects, and resumes its chats.
    const leave = await hub.followUser(
      this.user.id,
      (event) => this.sendEvent(event),
      () =>
        this.close(WebSocketCloseCode.serviceRestart, "Events may have been missed: reconnect and resume"),
    );
    if (this.released) leaveQuietly(leave);
    else this.leaveUserStream = leave;
  }

  /** Handles one inbound frame as Bun received it (text, or bytes); every failure is answered, never thrown. */
  async receive(message: string | Uint8Array): Promise<void> {
    if (this.released) return;
    let frame: { type?: string; requestId?: string; chatId?: string } = {};
    try {
      const reading = this.dependencies.protocol.read(message, this.dependencies.settings.maxFrameBytes);
      frame = reading.ok ? reading.frame : { requestId: reading.error.requestId };
      // Every frame counts, malformed ones too; one over the limit is answered, not run.
      this.dependencies.rateLimits.takeFrame(this.frames);
      if (!(await this.stillSignedIn())) return;
      if (!reading.ok) {
        this.reply(reading.error);
        return;
      }
      const { frame: read } = reading;
      await inFrameSpan(read.type, this.traceparent, (traceparent) => this.handle(read, traceparent));
    } catch (error) {
      this.sendError(error, frame);
    }
  }

  /**
   * False, having closed the socket with 4401, once its sign-in has ended or its token expired.
   * Throws when that cannot be told (the revocation list does not answer): the frame is refused.
   */
  private async stillSignedIn(): Promise<boolean> {
    if (this.released) return false;
    try {
      await this.dependencies.signIns.checkSignIn(this.signIn);
      return true;
    } catch (error) {
      if (!AppError.isInstance(error) || error.code !== "UNAUTHORIZED") throw error;
      this.close(WebSocketCloseCode.signedOut, error.message);
      return false;
    }
  }

  /** The client answered a protocol ping. */
  heardPong(): void {
    if (this.pongDeadline) clearTimeout(this.pongDeadline);
    this.pongDeadline = null;
  }

  /** Closes the socket from this side: shutdown (1012) or a slow client (1013). */
  close(code: number, reason: string): void {
    if (this.released) return;
    this.release();
    this.socket.close(code, reason);
    // A peer that stopped reading may never finish the closing handshake.
    this.terminateTimer = setTimeout(() => this.socket.terminate(), this.dependencies.settings.pongTimeoutMs);
  }

  /** The socket is closed, whoever closed it: leave every stream. */
  closed(): void {
    if (this.terminateTimer) clearTimeout(this.terminateTimer);
    this.terminateTimer = null;
    this.release();
  }

  /** Sends one chat event; the same chat_updated heard on both streams goes out once. */
  sendEvent(event: LoggedChatEvent): void {
    if (event.type === "chat_updated") {
      if (this.sentChatUpdates.includes(event.eventId)) return;
      this.sentChatUpdates.push(event.eventId);
      if (this.sentChatUpdates.length > rememberedChatUpdates) this.sentChatUpdates.shift();
    }
    this.sendFrame(toWebSocketFrame(event));
  }

  private reply(frame: ReplyFrame): void {
    this.sendFrame(frame);
  }

  /**
   * Sends one frame, or, when the client has fallen `maxBufferedBytes` behind, closes with 1013:
   * it reconnects and resumes from the replay log instead of growing the gateway's memory.
   */
  sendFrame(frame: Record<string, unknown>): void {
    if (this.released) return;
    const written = this.dependencies.protocol.write(frame);
    if (written === null) return;
    const status = this.socket.send(JSON.stringify(written));
    if (status === 0 || this.socket.getBufferedAmount() > this.dependencies.settings.maxBufferedBytes) {
      this.dependencies.logger.warn({ userId: this.user.id }, "websocket client too slow; closing it");
      this.close(WebSocketCloseCode.tryAgainLater, "Too slow: reconnect and subscribe with resumeFrom");
    }
  }

  private async handle(frame: ClientFrame, traceparent: string): Promise<void> {
    const requestId = frame.requestId === undefined ? {} : { requestId: frame.requestId };
    const { commands, assistance } = this.dependencies;
    const target = (chatId: string) => ({ userId: this.user.id, chatId, traceparent });
    switch (frame.type) {
      case "ping":
        this.reply({ type: "pong", eventId: null, ...requestId });
        return;
      case "subscribe": {
        const subscription = await this.follow(
          frame.chatId,
          frame.resumeFrom ?? null,
          frame.requestId,
          traceparent,
        );
        if (!subscription.isClosed) {
          this.reply({ type: "subscribed", eventId: null, chatId: frame.chatId, ...requestId });
        }
        return;
      }
      case "unsubscribe":
        this.subscriptions.get(frame.chatId)?.close();
        this.reply({ type: "unsubscribed", eventId: null, chatId: frame.chatId, ...requestId });
        return;
      case "chat_message": {
        // Subscribed before the command goes out, so no event of this turn can be missed.
        const reply = await commands.send(target(frame.chatId), frame, () =>
          this.follow(frame.chatId, null, frame.requestId, traceparent),
        );
        this.reply({ type: "message_accepted", eventId: null, chatId: frame.chatId, ...requestId, ...reply });
        return;
      }
      case "regenerate": {
        const reply = await commands.regenerate(target(frame.chatId), frame, () =>
          this.follow(frame.chatId, null, frame.requestId, traceparent),
        );
        this.reply({
          type: "regenerate_accepted",
          eventId: null,
          chatId: frame.chatId,
          ...requestId,
          ...reply,
        });
        return;
      }
      case "edit_message": {
        const { type: _, requestId: __, chatId, messageId, ...body } = frame;
        const reply = await commands.edit(target(chatId), messageId, body, () =>
          this.follow(chatId, null, frame.requestId, traceparent),
        );
        this.reply({ type: "edit_accepted", eventId: null, chatId, ...requestId, ...reply });
        return;
      }
      case "switch_branch": {
        const reply = await commands.switchBranch(target(frame.chatId), frame);
        this.reply({ type: "switch_branch_accepted", eventId: null, ...requestId, ...reply });
        return;
      }
      case "cancel": {
        const reply = await commands.cancel(target(frame.chatId));
        this.reply({ type: "cancel_accepted", eventId: null, chatId: frame.chatId, ...requestId, ...reply });
        return;
      }
      case "update_chat": {
        const { type: _, requestId: __, chatId, ...body } = frame;
        const chat = await commands.update(target(chatId), body);
        this.reply({ type: "chat_update_accepted", eventId: null, ...requestId, chat });
        return;
      }
      case "delete_chat": {
        await commands.delete(target(frame.chatId));
        this.subscriptions.get(frame.chatId)?.close();
        this.reply({ type: "chat_deleted", eventId: null, chatId: frame.chatId, ...requestId });
        return;
      }
      case "set_user_role": {
        const { admin } = this.dependencies;
        const actor = await admin.actorFor(
          { user: this.user, listedAdmin: this.listedAdmin },
          "admin",
          traceparent,
        );
        const change = await admin.setRole(actor, frame.userId, frame.role, traceparent);
        this.reply({ type: "user_role_set", eventId: null, ...requestId, ...change });
        return;
      }
      case "help_request": {
        const { type: _, requestId: __, chatId, ...body } = frame;
        const status = await assistance.requestHelp(target(chatId), body);
        this.reply({ type: "chat_assistance", eventId: null, ...requestId, ...status });
        return;
      }
      case "cancel_help_request": {
        const status = await assistance.cancelHelpRequest(target(frame.chatId));
        this.reply({ type: "chat_assistance", eventId: null, ...requestId, ...status });
        return;
      }
      case "take_over": {
        const agent = await assistance.agentFor(this.caller, traceparent);
        // Followed before the takeover, so the agent sees everything from `agent_joined` on.
        await this.follow(frame.chatId, null, frame.requestId, traceparent);
        const status = await assistance.takeOver(agent, frame.chatId, traceparent);
        this.reply({ type: "chat_assistance", eventId: null, ...requestId, ...status });
        return;
      }
      case "agent_message": {
        const agent = await assistance.agentFor(this.caller, traceparent);
        const { type: _, requestId: __, chatId, ...body } = frame;
        const { message } = await assistance.agentMessage(agent, chatId, body, traceparent);
        this.reply({ type: "agent_message_accepted", eventId: null, chatId, ...requestId, message });
        return;
      }
      case "release_chat": {
        const agent = await assistance.agentFor(this.caller, traceparent);
        const status = await assistance.release(agent, frame.chatId, traceparent);
        this.reply({ type: "chat_assistance", eventId: null, ...requestId, ...status });
        return;
      }
    }
  }

  /**
   * Follows a chat as a `subscribe` frame would, for an endpoint that names its chat in the URL;
   * a failure is answered with an `error` frame.
   */
  async followChat(chatId: string): Promise<void> {
    try {
      await this.follow(chatId, null, undefined, this.traceparent);
    } catch (error) {
      this.sendError(error, { chatId });
    }
  }

  private get caller(): Pick<Caller, "user" | "listedAdmin"> {
    return { user: this.user, listedAdmin: this.listedAdmin };
  }

  /**
   * Follows a chat: checks it is the user's, then feeds its events (from `resumeFrom`, or the
   * unfinished answer). Following a followed chat again without `resumeFrom` changes nothing;
   * with it, the feed restarts from there.
   */
  private async follow(
    chatId: string,
    resumeFrom: string | null,
    requestId: string | undefined,
    traceparent: string,
  ): Promise<WebSocketChatSubscription> {
    if (this.released) throw new AppError("UNAVAILABLE", "The socket is closing", { retryable: true });
    const existing = this.subscriptions.get(chatId);
    if (existing && resumeFrom === null) {
      await existing.ready;
      return existing;
    }
    if (!existing && this.subscriptions.size >= maxSubscriptions) {
      throw new AppError(
        "VALIDATION_FAILED",
        `A socket follows at most ${maxSubscriptions} chats; unsubscribe first`,
        {
          retryable: false,
        },
      );
    }
    existing?.close();
    const subscription = new WebSocketChatSubscription(chatId, this, requestId);
    this.subscriptions.set(chatId, subscription);
    subscription.onClose(() => {
      if (this.subscriptions.get(chatId) === subscription) this.subscriptions.delete(chatId);
    });
    subscription.ready = this.feed(subscription, resumeFrom, traceparent);
    await subscription.ready;
    return subscription;
  }

  private async feed(
    subscription: WebSocketChatSubscription,
    resumeFrom: string | null,
    traceparent: string,
  ): Promise<void> {
    const { store, hub, replayLog } = this.dependencies;
    try {
      const found = await store.call(
        "store.get_chat",
        { chatId: subscription.chatId, userId: this.user.id, messageLimit: 0 },
        traceparent,
      );
      const followed =
        found !== null ||
        (await this.dependencies.assistance.staffMayFollow(this.caller, subscription.chatId, traceparent));
      if (!followed) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
      if (subscription.isClosed) return;
      await feedChatEvents({
        sink: subscription,
        hub,
        replayLog,
        chatId: subscription.chatId,
        lastEventId: resumeFrom,
      });
    } catch (error) {
      subscription.close();
      throw error;
    }
  }

  /** Answers a frame that failed with an `error` frame; `frame` is what could be read of it. */
  private sendError(error: unknown, frame: { type?: string; requestId?: string; chatId?: string }): void {
    const failure = AppError.from(error);
    if (failure.code === "INTERNAL") {
      this.dependencies.logger.error(
        { err: failure.cause ?? failure, frameType: frame.type },
        "websocket frame failed",
      );
    }
    this.reply({
      type: "error",
      eventId: null,
      code: failure.code,
      error: failure.message,
      retryable: failure.retryable,
      ...(frame.chatId === undefined ? {} : { chatId: frame.chatId }),
      ...(frame.requestId === undefined ? {} : { requestId: frame.requestId }),
      ...(failure.details ? { details: failure.details } : {}),
      ...(failure instanceof RateLimitedError ? { retryAfterMs: failure.retryAfterMs } : {}),
    });
  }

  private ping(): void {
    if (this.pongDeadline || this.released) return;
    this.socket.ping();
    this.pongDeadline = setTimeout(() => {
      this.dependencies.logger.info(
        { userId: this.user.id },
        "websocket client did not answer a ping; closing it",
      );
      this.release();
      this.socket.terminate();
    }, this.dependencies.settings.pongTimeoutMs);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongDeadline) clearTimeout(this.pongDeadline);
    this.pingTimer = null;
    this.pongDeadline = null;
    for (const subscription of [...this.subscriptions.values()]) subscription.close();
    this.subscriptions.clear();
    const leave = this.leaveUserStream;
    this.leaveUserStream = null;
    if (leave) leaveQuietly(leave);
  }
}

/** Leaves a stream; a failed unbind is logged by the hub, and left unhandled it would end the process. */
function leaveQuietly(leave: () => Promise<void>): void {
  leave().catch(() => {});
}
