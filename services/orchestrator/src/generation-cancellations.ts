/** How long a cancel is remembered for a generation that has not started yet. */
const rememberedForMs = 10 * 60_000;

/**
 * The generations running on this instance, each with its abort controller, and the cancels
 * heard for generations not (yet) running here: a request still queued when its cancel arrived
 * ends as cancelled the moment it starts.
 */
export class GenerationCancellations {
  private readonly running = new Map<string, AbortController>();
  private readonly cancelled = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Registers a generation; its signal aborts when a cancel for it arrives. */
  start(messageId: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(messageId, controller);
    if (this.cancelled.has(messageId)) controller.abort(new GenerationCancelled());
    return controller.signal;
  }

  finish(messageId: string): void {
    this.running.delete(messageId);
  }

  cancel(messageId: string): void {
    this.forgetOld();
    this.cancelled.set(messageId, this.now());
    this.running.get(messageId)?.abort(new GenerationCancelled());
  }

  /** Aborts everything running, e.g. when the instance stops. */
  abortAll(reason: Error): void {
    for (const controller of this.running.values()) controller.abort(reason);
  }

  private forgetOld(): void {
    const oldest = this.now() - rememberedForMs;
    for (const [messageId, at] of this.cancelled) {
      if (at >= oldest) break;
      this.cancelled.delete(messageId);
    }
  }
}

/** The abort reason of a generation the user cancelled. */
export class GenerationCancelled extends Error {
  override readonly name = "GenerationCancelled";
  constructor() {
    super("The generation was cancelled");
  }
}
