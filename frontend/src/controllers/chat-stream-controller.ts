import type { Chat, ChatUpdatedData, ErrorEventData, Message, MessageAttachment } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";
import { ResumableEventStream, type StreamStatus } from "../live/resumable-event-stream.ts";
import {
  type ChatStreamEvent,
  emptyThread,
  isTurnRunning,
  reduceThread,
  streamingMessage,
  type ThreadAction,
  type ThreadError,
  type ThreadMessage,
  type ThreadState,
} from "../thread/thread-reducer.ts";

export type HistoryState = "idle" | "loading" | "loaded" | "failed";

/** Whether the server took the request that starts a turn, or its refusal. */
type TurnOutcome = { accepted: true } | { accepted: false; error: unknown };

const chatEventTypes = [
  "message_created",
  "message_start",
  "message_chunk",
  "message_restart",
  "message_complete",
  "message_deleted",
  "branch_switched",
  "error",
  "chat_updated",
  "help_requested",
  "help_cancelled",
  "agent_joined",
  "agent_left",
] as const;

/** How long a send waits for the stream to open, so the answer's first events are not missed. */
const streamOpenTimeoutMs = 3_000;

export interface ChatStreamOptions {
  api?: ApiClient;
  /** The chat changed: a new title or model, or new activity. */
  onChatUpdated?: (chat: Chat) => void;
}

/**
 * Everything one open chat shows: its history and the live stream of `/api/chats/:id/events`,
 * folded into one `ThreadState` by `reduceThread`.
 *
 * The stream opens before the history is fetched; events that arrive meanwhile are held and
 * applied on top of it, so nothing between the two is lost. A dropped stream reconnects with
 * backoff and `?lastEventId=` (see `ResumableEventStream`); one the server refused is reopened
 * after `GET /api/chats/:id`, which renews an expired session (or finds the chat deleted).
 * `RESUME_EXPIRED` reloads the chat.
 */
export class ChatStreamController implements ReactiveController {
  chatId: string | undefined;
  chat: Chat | undefined;
  thread: ThreadState = emptyThread;
  history: HistoryState = "idle";
  historyError: ApiError | undefined;
  connection: StreamStatus = "closed";
  /** The server keeps messages older than the ones shown. */
  hasOlderMessages = false;
  loadingOlder = false;
  /** True while the stop request is on its way. */
  stopping = false;
  /** True from pressing send until the server has the message. */
  private posting = false;

  private readonly api: ApiClient;
  private readonly onChatUpdated: (chat: Chat) => void;
  private stream: ResumableEventStream | undefined;
  private heldEvents: ChatStreamEvent[] = [];
  private openWaiters: Array<() => void> = [];
  /** Bumped on every open/close so late answers for a chat no longer shown are dropped. */
  private generation = 0;
  private hostIsConnected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: ChatStreamOptions = {},
  ) {
    this.api = options.api ?? apiClient;
    this.onChatUpdated = options.onChatUpdated ?? (() => {});
    host.addController(this);
  }

  get messages(): readonly ThreadMessage[] {
    return this.thread.messages;
  }

  /** True while a turn runs: the composer does not send meanwhile. */
  get busy(): boolean {
    return this.posting || isTurnRunning(this.thread);
  }

  /** True while an answer is being written (the stop button shows). */
  get answering(): boolean {
    return streamingMessage(this.thread) !== undefined;
  }

  /** The answer that can be regenerated now: the latest message, when it is a finished answer and nothing runs. */
  get regenerableAnswerId(): string | undefined {
    const latest = this.thread.messages.at(-1);
    if (this.busy || this.history !== "loaded" || latest?.role !== "assistant") return undefined;
    return latest.finishReason === undefined ? undefined : latest.id;
  }

  hostConnected(): void {
    this.hostIsConnected = true;
    if (this.chatId && !this.stream) this.start(this.chatId);
  }

  hostDisconnected(): void {
    this.hostIsConnected = false;
    this.stop();
  }

  /** Shows another chat (or none): drops the current one, opens its stream, loads its history. */
  open(chatId: string | undefined, known?: Chat): void {
    if (chatId === this.chatId) return;
    this.stop();
    this.chatId = chatId;
    this.chat = known?.id === chatId ? known : undefined;
    this.thread = emptyThread;
    this.history = "idle";
    this.historyError = undefined;
    this.hasOlderMessages = false;
    this.posting = false;
    this.stopping = false;
    if (chatId && this.hostIsConnected) this.start(chatId);
    this.host.requestUpdate();
  }

  /** Loads everything again from scratch: after a failed load, or when the stream cannot resume. */
  reload(): void {
    if (!this.chatId) return;
    this.stop();
    this.thread = { ...this.thread, threadError: undefined };
    this.start(this.chatId);
  }

  dismissThreadError(): void {
    this.dispatch({ type: "thread_error_dismissed" });
  }

  /**
   * Sends a user message: shown at once, then confirmed by the server's answer or the stream. A
   * refused message stays, failed, with Retry; but one that Retry cannot mend (too long for the
   * server) leaves the thread, its refusal shown above the composer. Resolves false when the
   * message is not in the thread, so that the caller gives its text back to the composer.
   */
  async send(content: string, attachments: readonly MessageAttachment[] = []): Promise<boolean> {
    const chatId = this.chatId;
    if (!chatId || this.busy) return false;
    const generation = this.generation;
    const clientMessageId = this.showSending(chatId, content, attachments);
    const outcome = await this.post(chatId, content, clientMessageId, attachments, (error) => {
      const failure = threadErrorOf(error);
      if (failure.retryable) {
        this.dispatch({ type: "send_failed", clientMessageId, error: failure });
        return;
      }
      this.dispatch({ type: "send_withdrawn", clientMessageId });
      this.dispatch({ type: "error", data: { chatId, ...errorEventOf(error, failure.message) } });
    });
    if (outcome.accepted) return true;
    return generation === this.generation && threadErrorOf(outcome.error).retryable;
  }

  /**
   * Sends the first message of a chat just created, as `send`; but a refused message is not kept
   * to retry: it leaves the thread and the refusal is thrown, so that the caller can delete the
   * chat (no empty chat is left behind) and give the text back to the composer.
   */
  async sendFirst(content: string, attachments: readonly MessageAttachment[] = []): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || this.busy) throw new Error("sendFirst needs an open chat with no turn running");
    const clientMessageId = this.showSending(chatId, content, attachments);
    const outcome = await this.post(chatId, content, clientMessageId, attachments, () =>
      this.dispatch({ type: "send_withdrawn", clientMessageId }),
    );
    if (!outcome.accepted) throw outcome.error;
  }

  /**
   * Tries again: a message that was not sent is sent with the same `clientMessageId` (the
   * server makes one turn of it); a failed answer is regenerated when it is the latest message,
   * else its question is asked again.
   */
  async retry(messageId: string): Promise<void> {
    const chatId = this.chatId;
    const index = this.thread.messages.findIndex((candidate) => candidate.id === messageId);
    const message = this.thread.messages[index];
    if (!chatId || !message || this.busy) return;
    if (message.role === "user" && message.clientMessageId) {
      this.dispatch({ type: "send_retried", clientMessageId: message.clientMessageId });
      await this.post(chatId, message.content, message.clientMessageId, message.attachments ?? []);
      return;
    }
    if (messageId === this.regenerableAnswerId) {
      await this.regenerate(messageId);
      return;
    }
    const question = this.thread.messages
      .slice(0, index)
      .findLast((candidate) => candidate.role === "user" && candidate.status === "complete");
    if (question) await this.send(question.content);
  }

  /**
   * Answers the latest question again beside `messageId`, which must be the `regenerableAnswerId`
   * (it stays on the server as the previous version). When the server says that answer is no
   * longer the latest (this view is stale), the messages are loaded again.
   */
  async regenerate(messageId: string): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || messageId !== this.regenerableAnswerId) return;
    this.dispatch({ type: "thread_error_dismissed" });
    await this.startTurn(
      async () => {
        const answer = await this.api.regenerate(chatId, { messageId });
        return {
          type: "regenerate_accepted",
          userMessage: answer.userMessage,
          assistantMessageId: answer.assistantMessageId,
          replacedMessageId: answer.replacedMessageId,
          now: new Date().toISOString(),
        };
      },
      (error) => {
        this.dispatch({
          type: "error",
          data: { chatId, ...errorEventOf(error, "The answer could not be regenerated.") },
        });
        if (ApiError.isInstance(error) && error.code === "NOT_LATEST_ANSWER") {
          void this.loadPath(chatId, this.generation);
        }
      },
    );
  }

  /**
   * Sends a new version of the question `messageId`: it and what followed leave the view, the new
   * version and its answer come in their place. Resolves false when it was refused.
   */
  async edit(messageId: string, content: string): Promise<boolean> {
    const chatId = this.chatId;
    if (!chatId || this.busy) return false;
    this.dispatch({ type: "thread_error_dismissed" });
    const outcome = await this.startTurn(
      async () => {
        const answer = await this.api.editMessage(chatId, messageId, {
          content,
          clientMessageId: crypto.randomUUID(),
        });
        return { type: "edit_accepted", ...answer, now: new Date().toISOString() };
      },
      (error) =>
        this.dispatch({
          type: "error",
          data: { chatId, ...errorEventOf(error, "The message could not be edited.") },
        }),
    );
    return outcome.accepted;
  }

  /** Shows another version of a message: the active path becomes the branch through it. */
  async switchBranch(messageId: string): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || this.busy) return;
    const generation = this.generation;
    this.posting = true;
    this.host.requestUpdate();
    try {
      await this.api.switchBranch(chatId, { messageId });
      if (generation === this.generation) await this.loadPath(chatId, generation);
    } catch (error) {
      if (generation === this.generation) {
        this.dispatch({
          type: "error",
          data: { chatId, ...errorEventOf(error, "That version could not be shown.") },
        });
      }
    } finally {
      if (generation === this.generation) {
        this.posting = false;
        this.host.requestUpdate();
      }
    }
  }

  /**
   * Shows the messages before the oldest one shown. The API pages from the start of a chat, so
   * this reads pages until it reaches what is already shown.
   */
  async loadOlder(): Promise<void> {
    const chatId = this.chatId;
    const firstShown = this.thread.messages[0]?.id;
    if (!chatId || !firstShown || this.loadingOlder) return;
    const generation = this.generation;
    this.loadingOlder = true;
    this.host.requestUpdate();
    try {
      const older: Message[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.api.listMessages(chatId, { cursor, limit: 100 });
        const end = page.messages.findIndex((message) => message.id === firstShown);
        older.push(...(end === -1 ? page.messages : page.messages.slice(0, end)));
        cursor = end === -1 ? (page.nextCursor ?? undefined) : undefined;
      } while (cursor);
      if (generation !== this.generation) return;
      this.dispatch({ type: "older_loaded", messages: older });
      this.hasOlderMessages = false;
    } catch (error) {
      if (generation === this.generation) {
        this.dispatch({
          type: "error",
          data: { chatId, ...errorEventOf(error, "Older messages could not be loaded.") },
        });
      }
    } finally {
      this.loadingOlder = false;
      this.host.requestUpdate();
    }
  }

  /** Stops the answer being written; the server keeps the text so far, marked as stopped. */
  async cancel(): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || this.stopping) return;
    this.stopping = true;
    this.host.requestUpdate();
    try {
      await this.api.cancelAnswer(chatId);
    } catch (error) {
      this.dispatch({
        type: "error",
        data: { chatId, ...errorEventOf(error, "The answer could not be stopped.") },
      });
    } finally {
      this.stopping = false;
      this.host.requestUpdate();
    }
  }

  /** Answers this chat with another model from the next message on. */
  async changeModel(model: string): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || this.chat?.model === model) return;
    try {
      this.applyChat(await this.api.changeModel(chatId, model));
    } catch (error) {
      this.dispatch({
        type: "error",
        data: { chatId, ...errorEventOf(error, "The model could not be changed.") },
      });
    }
  }

  private dispatch(action: ThreadAction): void {
    const next = reduceThread(this.thread, action);
    if (next === this.thread) return;
    this.thread = next;
    this.host.requestUpdate();
  }

  private applyChat(chat: Chat): void {
    if (chat.id !== this.chatId) return;
    this.chat = chat;
    this.onChatUpdated(chat);
    this.host.requestUpdate();
  }

  /** Shows a message being sent (the sidebar sees the activity); its `clientMessageId`. */
  private showSending(chatId: string, content: string, attachments: readonly MessageAttachment[]): string {
    const clientMessageId = crypto.randomUUID();
    const now = new Date().toISOString();
    this.dispatch({
      type: "send_started",
      message: {
        id: `pending-${clientMessageId}`,
        chatId,
        role: "user",
        content,
        createdAt: now,
        clientMessageId,
        ...(attachments.length > 0 ? { attachments: [...attachments] } : {}),
      },
    });
    if (this.chat) this.onChatUpdated({ ...this.chat, lastActivityAt: now });
    return clientMessageId;
  }

  /** Sends a message shown as being sent; by default a refused one stays, failed, with Retry. */
  private post(
    chatId: string,
    content: string,
    clientMessageId: string,
    attachments: readonly MessageAttachment[],
    onRefused = (error: unknown) =>
      this.dispatch({ type: "send_failed", clientMessageId, error: threadErrorOf(error) }),
  ): Promise<TurnOutcome> {
    return this.startTurn(async () => {
      const attachmentIds = attachments.map((attachment) => attachment.id);
      const answer = await this.api.sendMessage(chatId, {
        content,
        clientMessageId,
        ...(attachmentIds.length > 0 ? { attachmentIds } : {}),
      });
      return {
        type: "send_accepted",
        userMessage: answer.userMessage,
        assistantMessageId: answer.assistantMessageId,
        now: new Date().toISOString(),
      };
    }, onRefused);
  }

  /**
   * Makes the request that starts a turn, busy meanwhile and once the stream is open (so none of
   * the answer's events are missed); its outcome applies only if the same chat is still shown,
   * and is returned either way.
   */
  private async startTurn(
    request: () => Promise<ThreadAction>,
    onFailure: (error: unknown) => void,
  ): Promise<TurnOutcome> {
    const generation = this.generation;
    this.posting = true;
    this.host.requestUpdate();
    await this.streamOpen();
    try {
      const accepted = await request();
      if (generation === this.generation) this.dispatch(accepted);
      return { accepted: true };
    } catch (error) {
      if (generation === this.generation) onFailure(error);
      return { accepted: false, error };
    } finally {
      if (generation === this.generation) {
        this.posting = false;
        this.host.requestUpdate();
      }
    }
  }

  /** Resolves once the stream is open, or after a short wait so a slow stream cannot block sending. */
  private streamOpen(): Promise<void> {
    if (this.connection === "open") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, streamOpenTimeoutMs);
      this.openWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private start(chatId: string): void {
    const generation = ++this.generation;
    this.heldEvents = [];
    this.history = "loading";
    this.historyError = undefined;
    this.host.requestUpdate();

    const stream = new ResumableEventStream({
      url: this.api.eventStreamUrl(`/api/chats/${encodeURIComponent(chatId)}/events`),
      eventTypes: chatEventTypes,
      resume: true,
      onEvent: (type, data) => {
        if (generation === this.generation) this.receive({ type, data } as ChatStreamEvent);
      },
      onStatus: (status) => {
        if (generation !== this.generation) return;
        this.connection = status;
        if (status === "open") for (const resolve of this.openWaiters.splice(0)) resolve();
        this.host.requestUpdate();
      },
      onReconnected: (resumed) => {
        // Nothing to resume from: whatever finished meanwhile is only in the history.
        if (!resumed && generation === this.generation) void this.loadHistory(chatId, generation);
      },
      beforeReopen: () => this.checkBeforeReopen(chatId, generation),
    });
    this.stream = stream;
    stream.start();
    void this.loadHistory(chatId, generation);
  }

  private async loadHistory(chatId: string, generation: number): Promise<void> {
    try {
      const loaded = await this.api.getChat(chatId);
      if (generation !== this.generation) return;
      const { messages, hasOlderMessages, ...chat } = loaded;
      this.applyChat(chat);
      this.hasOlderMessages = hasOlderMessages;
      this.applyHistory(messages);
    } catch (error) {
      if (generation !== this.generation) return;
      this.failHistory(error);
    }
  }

  /** Loads the active path again and shows it in place of the one shown (another branch). */
  private async loadPath(chatId: string, generation: number): Promise<void> {
    try {
      const loaded = await this.api.getChat(chatId);
      if (generation !== this.generation) return;
      const { messages, hasOlderMessages, ...chat } = loaded;
      this.applyChat(chat);
      this.hasOlderMessages = hasOlderMessages;
      this.dispatch({ type: "branch_loaded", messages });
    } catch (error) {
      if (generation !== this.generation) return;
      this.dispatch({
        type: "error",
        data: { chatId, ...errorEventOf(error, "The chat could not be loaded.") },
      });
    }
  }

  private applyHistory(messages: Message[]): void {
    this.thread = reduceThread(this.thread, { type: "history_loaded", messages });
    this.history = "loaded";
    for (const event of this.heldEvents.splice(0)) this.apply(event);
    this.host.requestUpdate();
  }

  private failHistory(error: unknown): void {
    this.history = "failed";
    this.historyError = ApiError.isInstance(error)
      ? error
      : new ApiError("INTERNAL", "The chat could not be loaded.", 0);
    if (this.historyError.status === 404 || this.historyError.status === 401) this.stop();
    this.host.requestUpdate();
  }

  /** The server refused the stream: renew the session (the api client does on 401) and check the chat. */
  private async checkBeforeReopen(chatId: string, generation: number): Promise<"reopen" | "stop"> {
    try {
      const loaded = await this.api.getChat(chatId);
      if (generation !== this.generation) return "stop";
      const { messages, hasOlderMessages: _older, ...chat } = loaded;
      this.applyChat(chat);
      this.applyHistory(messages);
      return "reopen";
    } catch (error) {
      if (generation !== this.generation) return "stop";
      if (ApiError.isInstance(error) && (error.status === 404 || error.status === 401)) {
        this.failHistory(error);
        return "stop";
      }
      throw error;
    }
  }

  /** The chat's help and takeover marks, as its events change them. */
  private applyAssistance(event: ChatStreamEvent): void {
    const chat = this.chat;
    if (!chat) return;
    switch (event.type) {
      case "help_requested":
        this.applyChat({ ...chat, needsHelp: true });
        return;
      case "help_cancelled":
        this.applyChat({ ...chat, needsHelp: false });
        return;
      case "agent_joined": {
        const { agent, expiresAt } = event.data;
        const since = new Date().toISOString();
        this.applyChat({
          ...chat,
          needsHelp: false,
          assisted: true,
          heldBy: { agentId: agent.id, name: agent.name, since, expiresAt },
        });
        return;
      }
      case "agent_left":
        this.applyChat({ ...chat, heldBy: null });
        return;
      case "message_created":
      case "message_complete":
        this.applyChat({ ...chat, messageCount: (chat.messageCount ?? 0) + 1 });
        return;
      case "message_deleted":
        this.applyChat({ ...chat, messageCount: Math.max(0, (chat.messageCount ?? 0) - 1) });
        return;
    }
  }

  /** Asks for a person: staff are notified, and the chat shows that a person was asked. */
  async requestHelp(): Promise<void> {
    const chatId = this.chatId;
    if (!chatId) return;
    try {
      const status = await this.api.requestHelp(chatId);
      if (this.chat && chatId === this.chatId) this.applyChat({ ...this.chat, needsHelp: status.needsHelp });
    } catch (error) {
      this.dispatch({ type: "error", data: { chatId, ...errorEventOf(error, "Nobody could be asked.") } });
    }
  }

  /** Withdraws the help request. */
  async cancelHelpRequest(): Promise<void> {
    const chatId = this.chatId;
    if (!chatId) return;
    try {
      const status = await this.api.cancelHelpRequest(chatId);
      if (this.chat && chatId === this.chatId) this.applyChat({ ...this.chat, needsHelp: status.needsHelp });
    } catch (error) {
      this.dispatch({
        type: "error",
        data: { chatId, ...errorEventOf(error, "The request was not withdrawn.") },
      });
    }
  }

  private stop(): void {
    this.generation++;
    this.stream?.stop();
    this.stream = undefined;
    for (const resolve of this.openWaiters.splice(0)) resolve();
    this.connection = "closed";
  }

  private receive(event: ChatStreamEvent): void {
    if (event.data.chatId !== this.chatId) return;
    if (this.history !== "loaded") {
      this.heldEvents.push(event);
      return;
    }
    this.apply(event);
  }

  private apply(event: ChatStreamEvent): void {
    if (event.type === "error" && event.data.code === "RESUME_EXPIRED") {
      // The replay log no longer holds our place: start over from the stored history.
      this.thread = emptyThread;
      this.stream?.restartFromBeginning();
      this.heldEvents = [];
      this.history = "loading";
      void this.loadHistory(event.data.chatId, this.generation);
      return;
    }
    if (event.type === "chat_updated") {
      this.applyChat((event.data as ChatUpdatedData).chat);
      return;
    }
    if (event.type === "branch_switched") {
      this.dispatch(event);
      // A path that ends at a message not shown (a switch, here or in another tab) is loaded.
      const leaf = event.data.activeLeafId;
      if (!this.thread.messages.some((message) => message.id === leaf)) {
        void this.loadPath(event.data.chatId, this.generation);
      }
      return;
    }
    this.dispatch(event);
    this.applyAssistance(event);
    if ((event.type === "message_complete" || event.type === "message_created") && this.chat) {
      const at = event.type === "message_complete" ? event.data.createdAt : event.data.message.createdAt;
      if (at > this.chat.lastActivityAt) this.applyChat({ ...this.chat, lastActivityAt: at });
    }
  }
}

function errorEventOf(error: unknown, fallback: string): Omit<ErrorEventData, "chatId"> {
  const failure = threadErrorOf(error, fallback);
  return {
    code: failure.code as ErrorEventData["code"],
    error: failure.message,
    retryable: failure.retryable,
  };
}

function threadErrorOf(error: unknown, fallback = "Something went wrong."): ThreadError {
  if (ApiError.isInstance(error)) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.code !== "VALIDATION_FAILED" && error.code !== "PAYLOAD_TOO_LARGE",
    };
  }
  return { code: "INTERNAL", message: fallback, retryable: true };
}
