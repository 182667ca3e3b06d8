import type { Socket } from "bun";
import type { WallClock } from "./wall-clock.ts";

/** One server-sent event as the load client saw it, stamped with the time its bytes arrived. */
export type ReceivedFrame = { event: string; id: string | undefined; data: string; receivedAt: number };

/** The HTTP request that opens a stream. */
export type StreamRequest = {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
};

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * A server-sent-events stream read over a raw TCP socket (`Bun.connect`), not `fetch`: one
 * client process holds ten thousand of them without a connection-pool cap, parses HTTP/1.1
 * chunked bodies itself and stamps every frame with the wall-clock time its bytes arrived.
 * Comments (`: heartbeat`) are skipped; frames are handed to `onFrame` as they arrive.
 */
export class RawSseStream {
  /** Wall-clock time the request's last byte was written to the socket. */
  sentAt = 0;
  /** Set once the server ended the body or the socket closed. */
  ended = false;
  private socket: Socket | null = null;
  private bytes: Buffer = Buffer.alloc(0);
  private text = "";
  private headersParsed = false;
  private chunked = false;
  private readonly decoder = new TextDecoder();
  private readonly endWaiters: Array<() => void> = [];
  private onHeaders: ((status: number) => void) | null = null;
  private onFailure: ((error: Error) => void) | null = null;

  private constructor(
    private readonly clock: WallClock,
    private readonly onFrame: (frame: ReceivedFrame) => void,
  ) {}

  /**
   * Connects, sends `request` and resolves once the response headers arrived with status 200
   * (rejects on any other status or a socket error).
   */
  static async open(
    target: { host: string; port: number },
    request: StreamRequest,
    clock: WallClock,
    onFrame: (frame: ReceivedFrame) => void,
  ): Promise<RawSseStream> {
    const stream = new RawSseStream(clock, onFrame);
    const headersArrived = new Promise<number>((resolve, reject) => {
      stream.onHeaders = resolve;
      stream.onFailure = reject;
    });
    stream.socket = await Bun.connect({
      hostname: target.host,
      port: target.port,
      socket: {
        data: (_socket, chunk) => stream.receive(chunk),
        close: () => stream.finish(new Error("socket closed")),
        error: (_socket, error) => stream.finish(error),
        connectError: (_socket, error) => stream.finish(error),
      },
    });
    const body = request.body ?? "";
    const headers = {
      host: `${target.host}:${target.port}`,
      accept: "text/event-stream",
      ...(request.body !== undefined
        ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
        : {}),
      ...request.headers,
    };
    const head = `${request.method} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join("\r\n")}\r\n\r\n`;
    stream.socket.write(head + body);
    stream.sentAt = clock.now();
    const status = await headersArrived;
    if (status !== 200) {
      stream.close();
      throw new Error(`${request.method} ${request.path} answered ${status}`);
    }
    return stream;
  }

  /** Resolves when the body ended or the socket closed. */
  finished(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  close(): void {
    this.socket?.end();
    this.finish(null);
  }

  private receive(chunk: Buffer): void {
    const receivedAt = this.clock.now();
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk]);
    if (!this.headersParsed && !this.parseHeaders()) return;
    if (this.chunked) this.decodeChunks();
    else {
      this.text += this.decoder.decode(this.bytes, { stream: true });
      this.bytes = Buffer.alloc(0);
    }
    this.emitFrames(receivedAt);
  }

  private parseHeaders(): boolean {
    const end = this.bytes.indexOf(HEADER_END);
    if (end < 0) return false;
    const head = this.bytes.subarray(0, end).toString("latin1");
    this.bytes = this.bytes.subarray(end + HEADER_END.length);
    this.headersParsed = true;
    this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
    const status = Number(head.slice(9, 12));
    this.onHeaders?.(status);
    return true;
  }

  /** HTTP/1.1 chunked transfer coding: `<hex size>\r\n<bytes>\r\n`, ended by a zero-size chunk. */
  private decodeChunks(): void {
    for (;;) {
      const lineEnd = this.bytes.indexOf(CRLF);
      if (lineEnd < 0) return;
      const size = Number.parseInt(this.bytes.subarray(0, lineEnd).toString("latin1"), 16);
      if (size === 0) {
        this.close();
        return;
      }
      const start = lineEnd + CRLF.length;
      if (this.bytes.length < start + size + CRLF.length) return;
      this.text += this.decoder.decode(this.bytes.subarray(start, start + size), { stream: true });
      this.bytes = this.bytes.subarray(start + size + CRLF.length);
    }
  }

  private emitFrames(receivedAt: number): void {
    let boundary = this.text.indexOf("\n\n");
    while (boundary >= 0) {
      const frame = this.text.slice(0, boundary);
      this.text = this.text.slice(boundary + 2);
      boundary = this.text.indexOf("\n\n");
      let event = "message";
      let id: string | undefined;
      let data = "";
      for (const line of frame.split("\n")) {
        if (line.startsWith("data: ")) data = data ? `${data}\n${line.slice(6)}` : line.slice(6);
        else if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("id: ")) id = line.slice(4);
      }
      if (data) this.onFrame({ event, id, data, receivedAt });
    }
  }

  private finish(error: Error | null): void {
    if (!this.headersParsed && error) this.onFailure?.(error);
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.endWaiters.splice(0)) waiter();
  }
}
