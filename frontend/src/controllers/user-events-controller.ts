import type { Chat, ChatUpdatedData, NotificationData } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";
import { ResumableEventStream, type StreamStatus } from "../live/resumable-event-stream.ts";

export interface UserEventsOptions {
  api?: ApiClient;
  onChatUpdated: (chat: Chat) => void;
  onNotification: (notification: NotificationData) => void;
  /** The stream came back after a gap: what changed meanwhile is to be fetched. */
  onReconnected?: () => void;
}

/**
 * The signed-in user's own stream, `/api/events`: chats renamed or retitled on any device, and
 * in-app notifications. Runs while the host is connected and `enabled` is true; reconnects
 * with backoff and renews the session when the server refuses the stream.
 */
export class UserEventsController implements ReactiveController {
  status: StreamStatus = "closed";
  private stream: ResumableEventStream | undefined;
  private enabled = false;
  private connected = false;
  private readonly api: ApiClient;

  constructor(
    private readonly host: ReactiveControllerHost,
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
    if (wanted && !this.stream) {
      this.stream = new ResumableEventStream({
        url: this.api.eventStreamUrl("/api/events"),
        eventTypes: ["chat_updated", "notification"],
        onEvent: (type, data) => {
          if (type === "chat_updated") this.options.onChatUpdated((data as ChatUpdatedData).chat);
          else this.options.onNotification(data as NotificationData);
        },
        onStatus: (status) => {
          this.status = status;
          this.host.requestUpdate();
        },
        onReconnected: () => this.options.onReconnected?.(),
        beforeReopen: async () => {
          try {
            await this.api.verifySession();
            return "reopen";
          } catch (error) {
            // 401 after a failed refresh: the api client has dispatched `unauthorized`.
            if (ApiError.isInstance(error) && error.status === 401) return "stop";
            throw error;
          }
        },
      });
      this.stream.start();
    }
    if (!wanted && this.stream) {
      this.stream.stop();
      this.stream = undefined;
    }
  }
}
