/**
 * Coalesces token deltas into chunks: the answer's first delta leaves at once (the reader waits for
 * it), later chunks `flushMs` after their first delta, or at once when they reach `flushBytes`, so
 * a fast model is not one message per token. Flushes run one after another, in order.
 */
export class ChunkCoalescer {
  private buffer = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private started = false;

  constructor(
    private readonly options: { flushMs: number; flushBytes: number },
    private readonly onChunk: (content: string) => Promise<void>,
  ) {}

  /** Adds a delta; resolves once any flush it caused has been handed over. */
  async push(text: string): Promise<void> {
    this.throwIfFailed();
    this.buffer += text;
    if (!this.started || Buffer.byteLength(this.buffer) >= this.options.flushBytes) {
      await this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
    }
  }

  /** Sends what is buffered and waits for every flush to finish. */
  async close(): Promise<void> {
    await this.flush();
    this.throwIfFailed();
  }

  private flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const content = this.buffer;
    this.buffer = "";
    if (content) {
      this.started = true;
      this.chain = this.chain
        .then(() => this.onChunk(content))
        .catch((error) => {
          this.failure ??= error;
        });
    }
    return this.chain;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
