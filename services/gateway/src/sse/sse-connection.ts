import { type LoggedChatEvent, toSseFrame } from "@chat/contracts";

const encoder = new TextEncoder();

/**
 * One SSE response: frames in, bytes out, a heartbeat comment every `heartbeatMs`, and a bounded
 * buffer. A client that falls `maxBufferedBytes` behind is sent a `retry` hint and closed; it
 * resumes from the replay log with Last-Event-ID instead of growing the gateway's memory.
 */
export class SseConnection {
  readonly response: Response;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];

  constructor(options: {
    heartbeatMs: number;
    maxBufferedBytes: number;
    retryMs: number;
    headers?: HeadersInit;
  }) {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          controller.enqueue(encoder.encode(`retry: ${options.retryMs}\n: connected\n\n`));
        },
        cancel: () => this.close(),
      },
      { highWaterMark: options.maxBufferedBytes, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    this.heartbeat = setInterval(() => this.write(": heartbeat\n\n"), options.heartbeatMs);
    this.response = new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        ...options.headers,
      },
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: LoggedChatEvent): void {
    this.write(toSseFrame(event));
  }

  /** An event that is not in the replay log (so it has no id), such as RESUME_EXPIRED. */
  sendUnlogged(type: string, data: unknown): void {
    this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  onClose(callback: () => void): void {
    if (this.closed) callback();
    else this.onCloseCallbacks.push(callback);
  }

  /** Ends the stream, asking the client to reconnect after `retryMs` when given. */
  close(retryMs?: number): void {
    if (this.closed) return;
    if (retryMs !== undefined) this.controller.enqueue(encoder.encode(`retry: ${retryMs}\n\n`));
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    try {
      this.controller.close();
    } catch {
      // Already cancelled by the client.
    }
    for (const callback of this.onCloseCallbacks.splice(0)) callback();
  }

  private write(text: string): void {
    if (this.closed) return;
    const desired = this.controller.desiredSize;
    if (desired !== null && desired <= 0) {
      this.close(1_000);
      return;
    }
    this.controller.enqueue(encoder.encode(text));
  }
}
