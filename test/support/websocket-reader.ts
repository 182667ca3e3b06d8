/** One JSON frame the server sent. */
export type ServerFrame = { type: string; eventId?: string | null; [field: string]: any };

/**
 * A WebSocket client for tests, on Bun's own WebSocket: collects the server's JSON frames and
 * lets the test wait for the one it expects.
 */
export class WebSocketReader {
  readonly frames: ServerFrame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ServerFrame);
      this.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.wake();
    });
  }

  /** Opens `ws(s)://…/ws` with `headers` (authorization, cookie, origin); fails if it does not open. */
  static open(url: string, headers: Record<string, string> = {}): Promise<WebSocketReader> {
    // tsconfig's DOM lib declares the browser constructor, which hides Bun's overload with headers.
    const options: Bun.WebSocketOptions = { headers };
    const socket = new WebSocket(url, options as unknown as string[]);
    const reader = new WebSocketReader(socket);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(reader), { once: true });
      socket.addEventListener("close", (event) => reject(new Error(`closed before open: ${event.code}`)), {
        once: true,
      });
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits until a frame satisfies `predicate`; fails after `timeoutMs` or if the socket closes. */
  async waitFor(predicate: (frame: ServerFrame) => boolean, timeoutMs = 20_000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      if (this.closeEvent) {
        throw new Error(
          `socket closed (${this.closeEvent.code}) before the expected frame; got ${this.summary()}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for a frame; got ${this.summary()}`);
      await this.next(remaining);
    }
  }

  /** Waits until the socket is closed and answers its close code and reason. */
  async closed(timeoutMs = 20_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closeEvent) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error("timed out waiting for the socket to close");
      await this.next(remaining);
    }
    return this.closeEvent;
  }

  /** Frames of one chat event stream after `from` (an index), in order. */
  eventsOf(chatId: string, from = 0): ServerFrame[] {
    return this.frames
      .slice(from)
      .filter((frame) => frame.chatId === chatId && typeof frame.eventId === "string");
  }

  close(): void {
    this.socket.close();
  }

  private summary(): string {
    return JSON.stringify(this.frames.map((frame) => frame.code ?? frame.type));
  }

  private next(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
