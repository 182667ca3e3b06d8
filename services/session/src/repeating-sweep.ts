import type { Logger } from "pino";

/**
 * Runs `sweep` at start and then every `intervalMs`, one at a time (a run still going when the
 * next is due skips that turn); a count above zero is logged as `done`, a failure as a warning, and
 * the next run tries again. `stop()` ends the timer and waits for a run under way.
 *
 * @example
 * const repeating = new RepeatingSweep(() => recovery.sweep(), { intervalMs: 30_000, logger, done: "answers recovered" });
 */
export class RepeatingSweep {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly sweep: () => Promise<number>,
    private readonly options: { intervalMs: number; logger: Logger; done: string; failed: string },
  ) {}

  start(): void {
    this.run();
    this.timer = setInterval(() => this.run(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    const { logger, done, failed } = this.options;
    this.running = this.sweep()
      .then(
        (count) => {
          if (count > 0) logger.info({ count }, done);
        },
        (error: unknown) => logger.warn({ err: error }, failed),
      )
      .finally(() => {
        this.running = null;
      });
  }
}
