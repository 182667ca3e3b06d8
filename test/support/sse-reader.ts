/** One parsed server-sent event. */
export type ServerSentEvent = { id?: string; event: string; data: unknown };

/**
 * Reads an SSE response as a test client would: parses frames and lets the test wait for the
 * event it expects. Comments (heartbeats) are counted, not returned.
 */
export class SseReader {
  readonly events: ServerSentEvent[] = [];
  comments = 0;
  retryHints: number[] = [];
  private buffer = "";
  private waiters: Array<() => void> = [];
  private done = false;
  private readonly reading: Promise<void>;

  constructor(
    response: Response,
    private readonly abort: AbortController,
  ) {
    this.reading = this.read(response);
  }

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    if (response.status !== 200)
      throw new Error(`SSE ${url} answered ${response.status}: ${await response.text()}`);
    return new SseReader(response, abort);
  }

  /** Waits until an event satisfies `predicate`; fails after `timeoutMs`. */
  async waitFor(
    predicate: (event: ServerSentEvent) => boolean,
    timeoutMs = 20_000,
  ): Promise<ServerSentEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.done)
        throw new Error(
          `stream ended before the expected event; got ${JSON.stringify(this.events.map((event) => event.event))}`,
        );
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(
          `timed out waiting for an event; got ${JSON.stringify(this.events.map((event) => event.event))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  get ended(): boolean {
    return this.done;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let boundary = this.buffer.indexOf("\n\n");
        while (boundary >= 0) {
          this.parseFrame(this.buffer.slice(0, boundary));
          this.buffer = this.buffer.slice(boundary + 2);
          boundary = this.buffer.indexOf("\n\n");
        }
        this.wake();
      }
    } catch {
      // Aborted by close(), or the server went away.
    }
    this.done = true;
    this.wake();
  }

  private parseFrame(frame: string): void {
    let id: string | undefined;
    let event = "message";
    const data: string[] = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith(":")) this.comments++;
      else if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
      else if (line.startsWith("retry: ")) this.retryHints.push(Number(line.slice(7)));
    }
    if (data.length > 0) this.events.push({ id, event, data: JSON.parse(data.join("\n")) });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves when the reader stopped. */
  finished(): Promise<void> {
    return this.reading;
  }
}
