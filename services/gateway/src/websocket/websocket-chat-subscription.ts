import type { LoggedChatEvent } from "@chat/contracts";
import type { EventSink } from "../live/chat-event-feed.ts";

/**
 * One chat followed by one WebSocket: the sink `feedChatEvents` writes to. Closing it (an
 * `unsubscribe` frame, or the socket going away) runs the feed's clean-up, which leaves the hub.
 */
export class WebSocketChatSubscription implements EventSink {
  /** Settles once the chat's ownership is checked and its feed is live (replay sent). */
  ready: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];

  constructor(
    readonly chatId: string,
    private readonly output: {
      sendEvent(event: LoggedChatEvent): void;
      sendFrame(frame: Record<string, unknown>): void;
    },
    /** The requestId of the frame that opened it, echoed on its unlogged frames (RESUME_EXPIRED). */
    private readonly requestId: string | undefined,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: LoggedChatEvent): void {
    if (!this.closed) this.output.sendEvent(event);
  }

  sendUnlogged(type: string, data: unknown): void {
    if (this.closed) return;
    const requestId = this.requestId === undefined ? {} : { requestId: this.requestId };
    this.output.sendFrame({ type, eventId: null, ...(data as Record<string, unknown>), ...requestId });
  }

  onClose(callback: () => void): void {
    if (this.closed) callback();
    else this.onCloseCallbacks.push(callback);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const callback of this.onCloseCallbacks.splice(0)) callback();
  }
}
