import type { ReactiveController, ReactiveControllerHost } from "lit";
import { ApiError, apiClient } from "../api-client.ts";
import { ResumableEventStream, type StreamStatus } from "../live/resumable-event-stream.ts";

export interface ConsoleStreamOptions {
  /** The SSE path, e.g. `/api/admin/console/events`; undefined: no stream. */
  path: () => string | undefined;
  eventTypes: readonly string[];
  onEvent(type: string, data: unknown): void;
  /** The stream came back after a gap: reload what it feeds. */
  onReconnected?(): void;
}

/**
 * One live stream of the console (the live list, or the conversation open in the detail view)
 * while the host is connected: reconnects with backoff, renews the session when the server
 * refuses the stream, and follows `path` when it changes (call `sync` after).
 */
export class ConsoleStreamController implements ReactiveController {
  status: StreamStatus = "closed";
  private stream: ResumableEventStream | undefined;
  private streamPath: string | undefined;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: ConsoleStreamOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.sync();
  }

  /** Opens, closes or moves the stream to what `path` says now. */
  sync(): void {
    const path = this.connected ? this.options.path() : undefined;
    if (path === this.streamPath) return;
    this.stream?.stop();
    this.stream = undefined;
    this.streamPath = path;
    if (!path) return;
    this.stream = new ResumableEventStream({
      url: apiClient.eventStreamUrl(path),
      eventTypes: this.options.eventTypes,
      onEvent: (type, data) => this.options.onEvent(type, data),
      onStatus: (status) => {
        this.status = status;
        this.host.requestUpdate();
      },
      onReconnected: () => this.options.onReconnected?.(),
      beforeReopen: async () => {
        try {
          await apiClient.verifySession();
          return "reopen";
        } catch (error) {
          if (ApiError.isInstance(error) && error.status === 401) return "stop";
          throw error;
        }
      },
    });
    this.stream.start();
  }
}
