import { reconnectDelay } from "./reconnect-delay.ts";

/** Where a live stream stands, as the connection pill shows it. */
export type StreamStatus = "connecting" | "open" | "reconnecting" | "offline" | "closed";

/** What `beforeReopen` decides after the server refused the stream. */
export type ReopenDecision = "reopen" | "stop";

/** The parts of the browser the stream uses; tests pass fakes. */
export interface StreamEnvironment {
  EventSource: { new (url: string): EventSource; readonly CLOSED: number };
  setTimeout(callback: () => void, milliseconds: number): unknown;
  clearTimeout(timer: unknown): void;
  random(): number;
  isOnline(): boolean;
  /** Subscribes to the browser's online/offline events; returns the unsubscribe. */
  onConnectivityChange(listener: (online: boolean) => void): () => void;
}

export interface ResumableEventStreamOptions {
  /** The stream's URL without `lastEventId`. */
  url: string;
  /** The `event:` types to listen to; `error` may be among them (the server's error events). */
  eventTypes: readonly string[];
  onEvent(type: string, data: unknown): void;
  onStatus(status: StreamStatus): void;
  /**
   * Runs before reopening a stream that the server refused (an HTTP error: EventSource gives up
   * on those): renew the session, check the resource still exists. Throwing retries later.
   */
  beforeReopen?(): Promise<ReopenDecision>;
  /** Reconnect with `?lastEventId=` (the last id received) so the server replays what was missed. */
  resume?: boolean;
  /** Called on every open after the first: `resumed` is false when there was no id to resume from. */
  onReconnected?(resumed: boolean): void;
  /** Consecutive failures after which the pill says offline rather than reconnecting. */
  offlineAfterFailures?: number;
  environment?: Partial<StreamEnvironment>;
}

function browserEnvironment(): StreamEnvironment {
  return {
    EventSource: globalThis.EventSource,
    setTimeout: (callback, milliseconds) => globalThis.setTimeout(callback, milliseconds),
    clearTimeout: (timer) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>),
    random: Math.random,
    isOnline: () => globalThis.navigator?.onLine !== false,
    onConnectivityChange(listener) {
      if (typeof globalThis.addEventListener !== "function") return () => {};
      const online = () => listener(true);
      const offline = () => listener(false);
      globalThis.addEventListener("online", online);
      globalThis.addEventListener("offline", offline);
      return () => {
        globalThis.removeEventListener("online", online);
        globalThis.removeEventListener("offline", offline);
      };
    },
  };
}

/**
 * A server-sent event stream that survives: on any connection failure it closes the
 * EventSource and opens a new one itself, after an exponential backoff with jitter, carrying
 * `?lastEventId=` so the server replays what was missed. EventSource would retry a dropped
 * connection by itself, but at a fixed pace, and it gives up for good on an HTTP error (a 401
 * once the 15-minute session cookie has expired); then `beforeReopen` renews the session first.
 * Coming back online reconnects at once.
 *
 * @example
 * const stream = new ResumableEventStream({ url: "/api/chats/c1/events", eventTypes: ["message_chunk"],
 *   resume: true, onEvent: (type, data) => apply(type, data), onStatus: (status) => show(status) });
 * stream.start();
 */
export class ResumableEventStream {
  private readonly environment: StreamEnvironment;
  private source: EventSource | undefined;
  private timer: unknown;
  private failures = 0;
  private opened = false;
  private needsCheck = false;
  private running = false;
  private lastEventId: string | undefined;
  private status: StreamStatus = "closed";
  private stopConnectivity: (() => void) | undefined;

  constructor(private readonly options: ResumableEventStreamOptions) {
    this.environment = { ...browserEnvironment(), ...options.environment };
  }

  /** The id of the last event received, sent on reconnect. */
  get lastId(): string | undefined {
    return this.lastEventId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopConnectivity = this.environment.onConnectivityChange((online) => this.onConnectivity(online));
    this.open();
  }

  stop(): void {
    this.running = false;
    this.closeSource();
    this.cancelTimer();
    this.stopConnectivity?.();
    this.stopConnectivity = undefined;
    this.setStatus("closed");
  }

  /** Opens a new stream from the start: forgets the last event id (the server no longer has it). */
  restartFromBeginning(): void {
    this.lastEventId = undefined;
    this.closeSource();
    this.cancelTimer();
    if (this.running) this.open();
  }

  private open(): void {
    const url = this.urlWithResume();
    const source = new this.environment.EventSource(url);
    this.source = source;
    this.setStatus(this.opened ? "reconnecting" : "connecting");
    source.addEventListener("open", () => {
      if (source !== this.source) return;
      const reconnect = this.opened;
      this.opened = true;
      this.failures = 0;
      this.needsCheck = false;
      this.setStatus("open");
      if (reconnect) this.options.onReconnected?.(url.includes("lastEventId="));
    });
    const types = new Set([...this.options.eventTypes, "error"]);
    for (const type of types) {
      source.addEventListener(type, (event) => {
        if (source !== this.source) return;
        // EventSource reports its own connection failures as plain `error` events; only a
        // MessageEvent is the server's `event: error`.
        if (!(event instanceof MessageEvent)) {
          if (type === "error") this.onConnectionError(source);
          return;
        }
        if (event.lastEventId) this.lastEventId = event.lastEventId;
        if (!this.options.eventTypes.includes(type)) return;
        let data: unknown;
        try {
          data = JSON.parse(event.data as string);
        } catch {
          return;
        }
        this.options.onEvent(type, data);
      });
    }
  }

  private urlWithResume(): string {
    if (!this.options.resume || this.lastEventId === undefined) return this.options.url;
    const separator = this.options.url.includes("?") ? "&" : "?";
    return `${this.options.url}${separator}lastEventId=${encodeURIComponent(this.lastEventId)}`;
  }

  private onConnectionError(source: EventSource): void {
    // CLOSED: the browser gave up (an HTTP error status or a wrong content type), so the session
    // or the resource is to be checked before trying again. Otherwise the connection dropped.
    if (source.readyState === this.environment.EventSource.CLOSED) this.needsCheck = true;
    this.closeSource();
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (!this.running) return;
    this.cancelTimer();
    const limit = this.options.offlineAfterFailures ?? 4;
    this.setStatus(!this.environment.isOnline() || this.failures >= limit ? "offline" : "reconnecting");
    const delay = reconnectDelay(this.failures, this.environment.random);
    this.failures++;
    this.timer = this.environment.setTimeout(() => {
      this.timer = undefined;
      void this.reopen();
    }, delay);
  }

  private async reopen(): Promise<void> {
    if (!this.running) return;
    if (this.needsCheck && this.options.beforeReopen) {
      let decision: ReopenDecision;
      try {
        decision = await this.options.beforeReopen();
      } catch {
        this.scheduleReopen();
        return;
      }
      if (!this.running) return;
      if (decision === "stop") {
        this.stop();
        return;
      }
      this.needsCheck = false;
    }
    if (!this.source && this.timer === undefined) this.open();
  }

  private onConnectivity(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      this.setStatus("offline");
      return;
    }
    // Back online: try at once rather than wait out the backoff.
    if (this.timer !== undefined) {
      this.cancelTimer();
      this.failures = 0;
      void this.reopen();
    } else if (this.status === "offline") {
      this.setStatus(this.source?.readyState === 1 ? "open" : "reconnecting");
    }
  }

  private closeSource(): void {
    this.source?.close();
    this.source = undefined;
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.environment.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setStatus(status: StreamStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus(status);
  }
}
