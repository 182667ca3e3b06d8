import type { Bus, EventStream } from "@chat/bus";
import {
  AppError,
  type CompletionRequest,
  CompletionStreamMessage,
  completionEventKey,
  type GenerationCancelSignal,
  generationCancelKey,
  newEnvelope,
} from "@chat/contracts";
import type { Logger } from "pino";

type Waiter = { resolve: (event: CompletionStreamMessage) => void; reject: (error: AppError) => void };

/**
 * One API completion as the gateway waits for it: its events in order, each at most once.
 * Read them with `next`; call `end` when done with it, whatever happened.
 */
export class CompletionRun {
  private readonly queue: CompletionStreamMessage[] = [];
  private waiter: Waiter | null = null;
  private failure: AppError | null = null;
  private nextSeq = 0;
  private finished = false;
  private ended: Promise<void> | null = null;

  constructor(
    readonly request: CompletionRequest,
    private readonly onEnd: (run: CompletionRun, cancel: boolean) => Promise<void>,
  ) {}

  /** The next event; rejects with TIMEOUT when none comes within `timeoutMs`. */
  next(timeoutMs: number): Promise<CompletionStreamMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error("CompletionRun.next is already waiting"));
    return new Promise<CompletionStreamMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new AppError("TIMEOUT", "The model did not answer in time", { retryable: true }));
      }, timeoutMs);
      this.waiter = {
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /**
   * Stops listening. With `cancel` (the client left, or the gateway gave up on it), the
   * orchestrator is asked to abort the upstream request too; cancelling a finished one is a no-op.
   */
  end(options: { cancel: boolean } = { cancel: false }): Promise<void> {
    this.ended ??= this.onEnd(this, options.cancel && !this.finished);
    this.fail(new AppError("UNAVAILABLE", "The completion was abandoned", { retryable: true }));
    return this.ended;
  }

  /** @internal Called by the relay with each event of this completion. */
  deliver(event: CompletionStreamMessage): void {
    if (this.finished) return;
    if (event.type === "completion_chunk") {
      // A redelivered request streams again from seq 0: what was relayed is not relayed twice.
      if (event.seq < this.nextSeq) return;
      this.nextSeq = event.seq + 1;
    } else {
      this.finished = true;
    }
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter.resolve(event);
    else this.queue.push(event);
  }

  /** @internal Ends every `next` with `error`, after the events already received. */
  fail(error: AppError): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(this.failure);
  }
}

/**
 * The gateway's side of API completions. One event stream per gateway instance, opened on the
 * first completion, carries every completion's events; each completion binds its own routing key
 * (`completion.<id>.*`) before it is enqueued on `ai.generate`, so no event can come before
 * someone listens, and unbinds when it ends.
 *
 * @example
 * const run = await relay.start(request);
 * try {
 *   const first = await run.next(timeoutMs);
 * } finally {
 *   await run.end();
 * }
 */
export class CompletionRelay {
  private stream: Promise<EventStream> | null = null;
  private readonly runs = new Map<string, CompletionRun>();
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly options: { newId: () => string; now?: () => Date },
  ) {}

  /** Listens for the completion's events, then enqueues it. */
  async start(request: CompletionRequest): Promise<CompletionRun> {
    if (this.closed) throw new AppError("UNAVAILABLE", "The gateway is stopping", { retryable: true });
    const stream = await this.open();
    const run = new CompletionRun(request, (ended, cancel) => this.finish(ended, cancel));
    this.runs.set(request.completionId, run);
    try {
      await stream.bind(completionEventKey(request.completionId, "*"));
      await this.bus.enqueueWork("ai.generate", request);
    } catch (error) {
      await run.end();
      throw AppError.from(error);
    }
    return run;
  }

  /**
   * Ends every running completion with UNAVAILABLE (retryable: the caller can try another gateway)
   * and cancels it upstream, then closes the event stream.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping = new AppError("UNAVAILABLE", "The gateway is restarting: try again", { retryable: true });
    for (const run of this.runs.values()) run.fail(stopping);
    await Promise.all([...this.runs.values()].map((run) => run.end({ cancel: true })));
    const stream = await this.stream?.catch(() => null);
    this.stream = null;
    await stream?.close();
  }

  private open(): Promise<EventStream> {
    if (!this.stream) {
      const opening = this.bus.openEventStream<CompletionStreamMessage>(CompletionStreamMessage, (event) =>
        this.runs.get(event.completionId)?.deliver(event),
      );
      // A stream that failed to open is tried again by the next completion.
      opening.catch(() => {
        if (this.stream === opening) this.stream = null;
      });
      this.stream = opening;
    }
    return this.stream;
  }

  private async finish(run: CompletionRun, cancel: boolean): Promise<void> {
    const { completionId, userId, traceparent } = run.request;
    if (this.runs.get(completionId) === run) this.runs.delete(completionId);
    const stream = await this.stream?.catch(() => null);
    try {
      await stream?.unbind(completionEventKey(completionId, "*"));
    } catch (error) {
      this.logger.warn({ err: error, completionId }, "unbinding a completion's events failed");
    }
    if (!cancel) return;
    const signal: GenerationCancelSignal = {
      ...newEnvelope("generation_cancel", "", {
        id: this.options.newId(),
        traceparent,
        now: this.options.now?.() ?? new Date(),
      }),
      userId,
      assistantMessageId: completionId,
    };
    try {
      await this.bus.publishEvent(generationCancelKey(completionId), signal);
    } catch (error) {
      this.logger.warn({ err: error, completionId }, "cancelling an abandoned completion failed");
    }
  }
}
