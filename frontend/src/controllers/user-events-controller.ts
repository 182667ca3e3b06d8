import type { Chat, ChatUpdatedData, NotificationData } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, apiClient } from "../api-client.ts";

export interface UserEventsOptions {
  api?: ApiClient;
  onChatUpdated: (chat: Chat) => void;
  onNotification: (notification: NotificationData) => void;
}

const maximumReopenDelayMs = 30_000;

/**
 * The signed-in user's own stream, `/api/events`: chats renamed or touched on any device and
 * in-app notifications. Runs while the host is connected and `enabled` is true.
 */
export class UserEventsController implements ReactiveController {
  private source: EventSource | undefined;
  private reopenTimer: ReturnType<typeof setTimeout> | undefined;
  private reopenAttempts = 0;
  private enabled = false;
  private connected = false;
  private readonly api: ApiClient;

  constructor(
    host: ReactiveControllerHost,
    private readonly options: UserEventsOptions,
  ) {
    this.api = options.api ?? apiClient;
    host.addController(this);
  }

  /** Starts or stops listening, e.g. on sign-in and sign-out. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.sync();
  }

  hostConnected(): void {
    this.connected = true;
    this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.sync();
  }

  private sync(): void {
    const wanted = this.enabled && this.connected;
    if (wanted && !this.source && this.reopenTimer === undefined) this.start();
    if (!wanted) this.stop();
  }

  private start(): void {
    const source = new EventSource(this.api.eventStreamUrl("/api/events"));
    this.source = source;
    source.addEventListener("open", () => {
      this.reopenAttempts = 0;
    });
    source.addEventListener("chat_updated", (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as ChatUpdatedData;
      this.options.onChatUpdated(data.chat);
    });
    source.addEventListener("notification", (event) => {
      this.options.onNotification(JSON.parse((event as MessageEvent<string>).data) as NotificationData);
    });
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) return;
      // The browser gave up on this stream (an HTTP error): try again later with a new one.
      this.source = undefined;
      const delay = Math.min(2_000 * 2 ** this.reopenAttempts, maximumReopenDelayMs);
      this.reopenAttempts++;
      this.reopenTimer = setTimeout(() => {
        this.reopenTimer = undefined;
        this.sync();
      }, delay);
    });
  }

  private stop(): void {
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
  }
}
