import type { Logger } from "@chat/runtime";

/**
 * Runs `work` every `intervalMs`, and at once when woken; never twice at the same time (a wake
 * during a run runs it once more after). A failed run is logged and the loop goes on.
 *
 * @example
 * const loop = new SweepLoop(() => sweeper.sweep(), { intervalMs: 1_000, logger });
 * loop.start();
 * loop.wake();
 * await loop.stop();
 */
export class SweepLoop {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly settings: { intervalMs: number; logger: Logger },
  ) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Runs the work now (or right after the run in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.run();
  }

  /** Stops the loop once the run in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.work();
      } catch (error) {
        this.settings.logger.warn({ err: error }, "a notification sweep failed; the next one retries");
      }
    } while (this.again && !this.stopped);
    this.running = undefined;
    if (!this.stopped) this.timer = setTimeout(() => this.wake(), this.settings.intervalMs);
  }
}
