import type { Logger } from "pino";

type Stopper = { name: string; stop: () => Promise<void> | void };

/**
 * Graceful shutdown: on SIGTERM or SIGINT, stops what was registered in reverse order (each with
 * a time limit), then exits.
 */
export class Lifecycle {
  private readonly stoppers: Stopper[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly stepTimeoutMs = 10_000,
  ) {}

  /** Registers something to stop; later registrations stop first. */
  onStop(name: string, stop: Stopper["stop"]): void {
    this.stoppers.push({ name, stop });
  }

  /** Listens for SIGTERM and SIGINT and exits the process once everything stopped. */
  handleSignals(): void {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        this.logger.info({ signal }, "shutting down");
        void this.stop().then(() => process.exit(0));
      });
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (const stopper of [...this.stoppers].reverse()) {
      const timeout = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), this.stepTimeoutMs),
      );
      try {
        const result = await Promise.race([Promise.resolve(stopper.stop()), timeout]);
        if (result === "timeout") this.logger.warn({ step: stopper.name }, "shutdown step timed out");
      } catch (error) {
        this.logger.error({ step: stopper.name, err: error }, "shutdown step failed");
      }
    }
  }
}
