import { AppError, type LoggedChatEvent, toSseFrame } from "@chat/contracts";

const encoder = new TextEncoder();

/** One object for every SSE response; Bun copies it into each response's own headers. */
const sseHeaders: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
});

/**
 * Chunks measured in bytes, with a high-water mark of one byte: the stream's `desiredSize` then
 * tells how many bytes wait in its queue. A larger mark would be the natural place for the bound,
 * but Bun sizes a native buffer of that many bytes (up to 512 KiB) for every response.
 */
const bytesQueued: QueuingStrategy<Uint8Array> = {
  highWaterMark: 1,
  size: (chunk) => chunk?.byteLength ?? 0,
};

export type SseConnectionSettings = { heartbeatMs: number; maxBufferedBytes: number; retryMs: number };

/**
 * One SSE response: frames in, bytes out, a heartbeat comment every `heartbeatMs`, and a bounded
 * buffer. A client that falls `maxBufferedBytes` behind is sent a `retry` hint and closed; it
 * resumes from the replay log with Last-Event-ID instead of growing the gateway's memory.
 *
 * An idle connection is held by thousands, so it keeps little: no timer of its own (one timer
 * beats every connection of a heartbeat length), once `toResponse` handed it over not its
 * Response, and no large native buffer (see `bytesQueued`). It closes when the client goes away
 * (Bun cancels the stream), when `close` is called, when the client falls behind, or, given
 * `closeWhenSignInEnds`, at the first heartbeat after the sign-in that opened it ended.
 *
 * @example
 * const connection = new SseConnection({ heartbeatMs: 15_000, maxBufferedBytes: 1 << 20, retryMs: 2_000 });
 * connection.onClose(() => lease.release());
 * connection.send(event);
 * return connection.toResponse();
 */
export class SseConnection {
  private readonly source: SseSource;
  private body: ReadableStream<Uint8Array> | null;
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];
  private readonly heartbeat: SseHeartbeat;
  private readonly maxBufferedBytes: number;
  private checkSignIn: (() => Promise<void>) | null = null;

  constructor(settings: SseConnectionSettings) {
    this.maxBufferedBytes = settings.maxBufferedBytes;
    this.source = new SseSource(this);
    this.body = new ReadableStream<Uint8Array>(this.source, bytesQueued);
    this.write(`retry: ${settings.retryMs}\n: connected\n\n`);
    this.heartbeat = SseHeartbeat.every(settings.heartbeatMs);
    this.heartbeat.add(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The response that carries the stream, with the SSE headers; it can be taken once. */
  toResponse(): Response {
    const body = this.body;
    if (!body) throw new Error("The SSE response was already taken");
    this.body = null;
    return new Response(body, { headers: sseHeaders });
  }

  send(event: LoggedChatEvent): void {
    this.write(toSseFrame(event));
  }

  /** An event that is not in the replay log (so it has no id), such as RESUME_EXPIRED. */
  sendUnlogged(type: string, data: unknown): void {
    this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line that tells the client, and every proxy on the way, that the stream is alive. */
  beat(): void {
    this.write(": heartbeat\n\n");
    this.checkSignIn?.().catch((error) => {
      // A revocation list that cannot answer keeps the stream: only an ended sign-in closes it.
      if (AppError.isInstance(error) && error.code === "UNAUTHORIZED") this.close();
    });
  }

  /**
   * Checks the sign-in with `check` (which throws UNAUTHORIZED once it was signed out, revoked or
   * expired) at each heartbeat, and closes the stream when it ended: the client's reconnect is
   * then answered 401.
   */
  closeWhenSignInEnds(check: () => Promise<void>): void {
    this.checkSignIn = check;
  }

  onClose(callback: () => void): void {
    if (this.closed) callback();
    else this.onCloseCallbacks.push(callback);
  }

  /** Ends the stream, asking the client to reconnect after `retryMs` when given. */
  close(retryMs?: number): void {
    if (this.closed) return;
    if (retryMs !== undefined) this.source.controller.enqueue(encoder.encode(`retry: ${retryMs}\n\n`));
    this.closed = true;
    this.heartbeat.delete(this);
    try {
      this.source.controller.close();
    } catch {
      // Already cancelled by the client.
    }
    for (const callback of this.onCloseCallbacks.splice(0)) callback();
  }

  private write(text: string): void {
    if (this.closed) return;
    // desiredSize = highWaterMark (1) − the bytes queued that the server has not taken yet.
    const queued = 1 - (this.source.controller.desiredSize ?? 1);
    if (queued >= this.maxBufferedBytes) {
      this.close(1_000);
      return;
    }
    this.source.controller.enqueue(encoder.encode(text));
  }
}

/** The stream's source, with methods rather than closures: one small object per connection. */
class SseSource implements UnderlyingDefaultSource<Uint8Array> {
  controller!: ReadableStreamDefaultController<Uint8Array>;

  constructor(private readonly connection: SseConnection) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /** The client went away. */
  cancel(): void {
    this.connection.close();
  }
}

/** Slices a heartbeat length is cut into: each tick beats one slice, so 10 000 streams do not beat at once. */
const heartbeatSlices = 10;

/**
 * Beats every open connection of one heartbeat length from one timer: 10 000 idle streams would
 * otherwise be 10 000 intervals. Connections join the slice beaten last, so each is beaten one
 * heartbeat length after it opened and every length after that.
 */
class SseHeartbeat {
  private static readonly byLength = new Map<number, SseHeartbeat>();
  private readonly slices: Array<Set<SseConnection>> = Array.from(
    { length: heartbeatSlices },
    () => new Set(),
  );
  private next = 0;
  private size = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  private constructor(private readonly everyMs: number) {}

  static every(heartbeatMs: number): SseHeartbeat {
    let heartbeat = SseHeartbeat.byLength.get(heartbeatMs);
    if (!heartbeat) {
      heartbeat = new SseHeartbeat(heartbeatMs);
      SseHeartbeat.byLength.set(heartbeatMs, heartbeat);
    }
    return heartbeat;
  }

  add(connection: SseConnection): void {
    const slice = this.slices[(this.next + heartbeatSlices - 1) % heartbeatSlices] as Set<SseConnection>;
    slice.add(connection);
    this.size++;
    if (this.timer) return;
    this.timer = setInterval(
      () => this.beatNextSlice(),
      Math.max(1, Math.floor(this.everyMs / heartbeatSlices)),
    );
    this.timer.unref?.();
  }

  delete(connection: SseConnection): void {
    if (!this.slices.some((slice) => slice.delete(connection))) return;
    this.size--;
    if (this.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private beatNextSlice(): void {
    const slice = this.slices[this.next] as Set<SseConnection>;
    this.next = (this.next + 1) % heartbeatSlices;
    // A connection that falls behind closes as it is beaten and leaves the slice, which a Set's
    // iteration allows.
    for (const connection of slice) connection.beat();
  }
}
