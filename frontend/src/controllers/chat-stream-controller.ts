import type {
  Chat,
  ChatUpdatedData,
  ErrorEventData,
  Message,
  MessageChunkData,
  MessageCompleteData,
  MessageCreatedData,
  MessageRestartData,
  MessageStartData,
} from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";

/** Where a message shown in the thread stands. */
export type ThreadMessageStatus = "sending" | "streaming" | "complete" | "failed";

/** A problem shown inline, from the API or from the stream's `error` event. */
export interface ThreadError {
  code: string;
  message: string;
  retryable: boolean;
}

/** A message as the thread shows it: the stored message plus what the live stream knows. */
export type ThreadMessage = Message & {
  status: ThreadMessageStatus;
  error?: ThreadError;
  /** Highest chunk `seq` applied since the last start or restart; -1 before the first. */
  lastSeq: number;
};

export type StreamConnection = "idle" | "connecting" | "open" | "reconnecting";

export type HistoryState = "idle" | "loading" | "loaded" | "failed";

type StreamEvent =
  | { type: "message_created"; data: MessageCreatedData }
  | { type: "message_start"; data: MessageStartData }
  | { type: "message_chunk"; data: MessageChunkData }
  | { type: "message_restart"; data: MessageRestartData }
  | { type: "message_complete"; data: MessageCompleteData }
  | { type: "error"; data: ErrorEventData }
  | { type: "chat_updated"; data: ChatUpdatedData };

const streamEventTypes = [
  "message_created",
  "message_start",
  "message_chunk",
  "message_restart",
  "message_complete",
  "error",
  "chat_updated",
] as const;

const streamOpenTimeoutMs = 3_000;
const maximumReopenDelayMs = 15_000;

export interface ChatStreamOptions {
  api?: ApiClient;
  /** Called when the chat itself changed: a new title or model, or new activity. */
  onChatUpdated?: (chat: Chat) => void;
}

/**
 * Everything one open chat shows: its history and the live stream of `/api/chats/:id/events`.
 *
 * The stream is opened before the history is fetched; events that arrive while the history
 * loads are held and applied on top of it, so nothing between the two is lost. EventSource
 * resumes by itself with `Last-Event-ID`; when the browser gives up (or the replay log has
 * expired) the controller starts over with a fresh stream and a fresh history.
 */
export class ChatStreamController implements ReactiveController {
  chatId: string | undefined;
  chat: Chat | undefined;
  messages: ThreadMessage[] = [];
  history: HistoryState = "idle";
  historyError: ApiError | undefined;
  /** A problem not tied to one message, shown above the composer. */
  threadError: ThreadError | undefined;
  connection: StreamConnection = "idle";
  hasOlderMessages = false;
  /** True from sending a message until the server acknowledged it. */
  private sending = false;

  private readonly api: ApiClient;
  private readonly onChatUpdated: (chat: Chat) => void;
  private source: EventSource | undefined;
  private heldEvents: StreamEvent[] = [];
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private reopenAttempts = 0;
  private openWaiters: Array<() => void> = [];
  /** Bumped on every open/close so late answers for a chat no longer shown are dropped. */
  private generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: ChatStreamOptions = {},
  ) {
    this.api = options.api ?? apiClient;
    this.onChatUpdated = options.onChatUpdated ?? (() => {});
    host.addController(this);
  }

  /** True while a turn runs: the composer waits for it. */
  get turnRunning(): boolean {
    return this.sending || this.messages.some((message) => message.status === "streaming");
  }

  hostConnected(): void {
    if (this.chatId && !this.source) this.start(this.chatId);
  }

  hostDisconnected(): void {
    this.stop();
  }

  /** Shows another chat: drops the current one, opens its stream, loads its history. */
  open(chatId: string | undefined): void {
    if (chatId === this.chatId) return;
    this.stop();
    this.chatId = chatId;
    this.chat = undefined;
    this.messages = [];
    this.threadError = undefined;
    this.history = "idle";
    this.historyError = undefined;
    this.hasOlderMessages = false;
    this.sending = false;
    if (chatId) this.start(chatId);
    this.host.requestUpdate();
  }

  /** Loads everything again from scratch, e.g. after a failed history fetch. */
  reload(): void {
    if (!this.chatId) return;
    this.stop();
    this.threadError = undefined;
    this.start(this.chatId);
  }

  dismissThreadError(): void {
    this.threadError = undefined;
    this.host.requestUpdate();
  }

  /** Sends a user message: shown at once, then confirmed by the server's answer or the stream. */
  async send(content: string): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || this.turnRunning) return;
    const clientMessageId = crypto.randomUUID();
    const now = new Date().toISOString();
    this.messages = [
      ...this.messages,
      {
        id: `pending-${clientMessageId}`,
        chatId,
        role: "user",
        content,
        createdAt: now,
        clientMessageId,
        status: "sending",
        lastSeq: -1,
      },
    ];
    if (this.chat) this.onChatUpdated({ ...this.chat, lastActivityAt: now });
    await this.post(chatId, content, clientMessageId);
  }

  /** Sends a failed message again with the same `clientMessageId`, so the server makes one turn of it. */
  async retry(messageId: string): Promise<void> {
    const chatId = this.chatId;
    const message = this.messages.find((candidate) => candidate.id === messageId);
    if (!chatId || !message?.clientMessageId || this.turnRunning) return;
    this.replaceMessage(messageId, { status: "sending", error: undefined });
    await this.post(chatId, message.content, message.clientMessageId);
  }

  private async post(chatId: string, content: string, clientMessageId: string): Promise<void> {
    const generation = this.generation;
    this.sending = true;
    this.threadError = undefined;
    this.host.requestUpdate();
    await this.streamOpen();
    try {
      const answer = await this.api.sendMessage(chatId, { content, clientMessageId });
      if (generation !== this.generation) return;
      this.confirmUserMessage(answer.userMessage);
      if (!this.messages.some((message) => message.id === answer.assistantMessageId)) {
        this.messages = [...this.messages, this.placeholder(chatId, answer.assistantMessageId)];
      }
    } catch (error) {
      if (generation !== this.generation) return;
      const failure = toThreadError(error);
      this.messages = this.messages.map((message) =>
        message.clientMessageId === clientMessageId && message.status === "sending"
          ? { ...message, status: "failed", error: failure }
          : message,
      );
    } finally {
      if (generation === this.generation) {
        this.sending = false;
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
    this.connection = "connecting";
    this.history = "loading";
    this.historyError = undefined;
    this.host.requestUpdate();

    const source = new EventSource(
      this.api.eventStreamUrl(`/api/chats/${encodeURIComponent(chatId)}/events`),
    );
    this.source = source;
    source.addEventListener("open", () => {
      if (generation !== this.generation) return;
      this.connection = "open";
      this.reopenAttempts = 0;
      for (const resolve of this.openWaiters.splice(0)) resolve();
      this.host.requestUpdate();
    });
    for (const type of streamEventTypes) {
      source.addEventListener(type, (event) => {
        if (generation !== this.generation) return;
        // EventSource reports its own connection failures as plain `error` events too; only a
        // MessageEvent carries the server's `event: error`.
        if (!(event instanceof MessageEvent)) {
          if (type === "error") this.onConnectionError(chatId, generation);
          return;
        }
        this.receive({ type, data: JSON.parse(event.data) } as StreamEvent);
      });
    }

    this.api.getChat(chatId).then(
      (loaded) => {
        if (generation !== this.generation) return;
        const { messages, hasOlderMessages, ...chat } = loaded;
        this.chat = chat;
        this.hasOlderMessages = hasOlderMessages;
        this.mergeHistory(messages);
        this.history = "loaded";
        for (const event of this.heldEvents.splice(0)) this.apply(event);
        this.host.requestUpdate();
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.history = "failed";
        this.historyError = ApiError.isInstance(error)
          ? error
          : new ApiError("INTERNAL", "The chat could not be loaded.", 0);
        if (this.historyError.status === 404 || this.historyError.status === 401) this.stop();
        this.host.requestUpdate();
      },
    );
  }

  private stop(): void {
    this.generation++;
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    for (const resolve of this.openWaiters.splice(0)) resolve();
    this.connection = "idle";
  }

  private onConnectionError(chatId: string, generation: number): void {
    if (this.source?.readyState === EventSource.CONNECTING) {
      this.connection = "reconnecting";
      this.host.requestUpdate();
      return;
    }
    // The browser gave up (an HTTP error, not a dropped connection): start over after a pause.
    this.source?.close();
    this.source = undefined;
    this.connection = "reconnecting";
    this.host.requestUpdate();
    const delay = Math.min(1_000 * 2 ** this.reopenAttempts, maximumReopenDelayMs);
    this.reopenAttempts++;
    this.reopenTimer = setTimeout(() => {
      if (generation === this.generation && this.chatId === chatId) this.start(chatId);
    }, delay);
  }

  private receive(event: StreamEvent): void {
    if (event.data.chatId !== this.chatId) return;
    if (this.history !== "loaded") {
      this.heldEvents.push(event);
      return;
    }
    this.apply(event);
    this.host.requestUpdate();
  }

  private apply(event: StreamEvent): void {
    switch (event.type) {
      case "message_created":
        this.onMessageCreated(event.data.message);
        return;
      case "message_start":
        this.onMessageStart(event.data);
        return;
      case "message_chunk":
        this.onMessageChunk(event.data);
        return;
      case "message_restart":
        this.onMessageRestart(event.data);
        return;
      case "message_complete":
        this.onMessageComplete(event.data);
        return;
      case "error":
        this.onErrorEvent(event.data);
        return;
      case "chat_updated":
        this.chat = event.data.chat;
        this.onChatUpdated(event.data.chat);
        return;
    }
  }

  private onMessageCreated(message: Message): void {
    if (this.messages.some((shown) => shown.id === message.id)) return;
    this.confirmUserMessage(message);
  }

  /** Swaps the optimistic copy of a user message for the stored one, or adds it when none is shown. */
  private confirmUserMessage(message: Message): void {
    const index = this.messages.findIndex(
      (shown) =>
        shown.id === message.id ||
        (message.clientMessageId !== undefined && shown.clientMessageId === message.clientMessageId),
    );
    if (index === -1) {
      this.messages = [...this.messages, { ...message, status: "complete", lastSeq: -1 }];
      return;
    }
    const shown = this.messages[index];
    if (!shown || (shown.id === message.id && shown.status === "complete")) return;
    const next = [...this.messages];
    next[index] = { ...shown, ...message, status: "complete", error: undefined };
    this.messages = next;
  }

  // A finished message can meet its own start again when the history already held it; the
  // history is newer, so start and restart leave a complete message alone.
  private onMessageStart(data: MessageStartData): void {
    const message = this.ensureMessage(data.chatId, data.messageId);
    if (message.status === "complete") return;
    this.replaceMessage(data.messageId, { model: data.model, status: "streaming" });
  }

  private onMessageRestart(data: MessageRestartData): void {
    const message = this.ensureMessage(data.chatId, data.messageId);
    if (message.status === "complete") return;
    this.replaceMessage(data.messageId, { content: "", lastSeq: -1, status: "streaming", error: undefined });
  }

  private onMessageChunk(data: MessageChunkData): void {
    const message = this.ensureMessage(data.chatId, data.messageId);
    if (data.seq <= message.lastSeq || message.status === "complete") return;
    this.replaceMessage(data.messageId, {
      content: message.content + data.content,
      lastSeq: data.seq,
      status: "streaming",
    });
  }

  private onMessageComplete(data: MessageCompleteData): void {
    this.ensureMessage(data.chatId, data.messageId);
    this.replaceMessage(data.messageId, {
      content: data.fullContent,
      codeBlocks: data.codeBlocks,
      usage: data.usage,
      finishReason: data.finishReason,
      model: data.model,
      createdAt: data.createdAt,
      status: "complete",
    });
    if (this.chat) this.onChatUpdated({ ...this.chat, lastActivityAt: data.createdAt });
  }

  private onErrorEvent(data: ErrorEventData): void {
    const failure: ThreadError = { code: data.code, message: data.error, retryable: data.retryable };
    if (data.code === "RESUME_EXPIRED") {
      this.reload();
      return;
    }
    if (data.messageId) {
      this.ensureMessage(data.chatId, data.messageId);
      this.replaceMessage(data.messageId, { status: "failed", error: failure });
      return;
    }
    this.threadError = failure;
    // An error for the whole chat ends any answer still waiting for its first words.
    this.messages = this.messages.map((message) =>
      message.status === "streaming" && message.content === ""
        ? { ...message, status: "failed", error: failure }
        : message,
    );
  }

  /** Returns the message with this id, adding an assistant placeholder if the start was missed. */
  private ensureMessage(chatId: string, messageId: string): ThreadMessage {
    const shown = this.messages.find((message) => message.id === messageId);
    if (shown) return shown;
    const placeholder = this.placeholder(chatId, messageId);
    this.messages = [...this.messages, placeholder];
    return placeholder;
  }

  private placeholder(chatId: string, messageId: string): ThreadMessage {
    return {
      id: messageId,
      chatId,
      role: "assistant",
      content: "",
      createdAt: new Date().toISOString(),
      model: this.chat?.model,
      status: "streaming",
      lastSeq: -1,
    };
  }

  private replaceMessage(messageId: string, change: Partial<ThreadMessage>): void {
    this.messages = this.messages.map((message) =>
      message.id === messageId ? { ...message, ...change } : message,
    );
    this.host.requestUpdate();
  }

  /** History first, then anything already shown that the history does not hold yet. */
  private mergeHistory(stored: Message[]): void {
    const storedIds = new Set(stored.map((message) => message.id));
    const storedClientIds = new Set(stored.flatMap((message) => message.clientMessageId ?? []));
    const pending = this.messages.filter(
      (message) =>
        !storedIds.has(message.id) &&
        !(message.clientMessageId !== undefined && storedClientIds.has(message.clientMessageId)),
    );
    this.messages = [
      ...stored.map(
        (message): ThreadMessage => ({
          ...message,
          status: message.finishReason === "error" ? "failed" : "complete",
          lastSeq: -1,
        }),
      ),
      ...pending,
    ];
  }
}

function toThreadError(error: unknown): ThreadError {
  if (ApiError.isInstance(error)) {
    return { code: error.code, message: error.message, retryable: error.code !== "VALIDATION_FAILED" };
  }
  return { code: "INTERNAL", message: "Something went wrong.", retryable: true };
}
