import type { DeliveryContext } from "@chat/bus";
import { gauge, histogram, latencyBuckets } from "@chat/metrics";

const inProgress = gauge(
  "chat_generation_work_in_progress",
  "Generation work this orchestrator runs now, by type (answers, titles, /v1 completions): at most ORCHESTRATOR_CONCURRENCY in all",
  ["type"],
);
const queueWait = histogram(
  "chat_generation_work_queue_wait_seconds",
  "From the work's enqueueing to its start on an orchestrator, by type (first deliveries): the back-pressure of ai.generate",
  ["type"],
  latencyBuckets,
);

/**
 * Runs one piece of generation work, counted on /metrics: how long it waited in the queue and how
 * many run at once.
 *
 * @example
 * await measuredWork(request, delivery, new Date(), () => answers.handle(request, delivery));
 */
export async function measuredWork<R>(
  work: { type: string; occurredAt: string },
  delivery: DeliveryContext,
  startedAt: Date,
  run: () => Promise<R>,
): Promise<R> {
  const labels = { type: work.type };
  if (delivery.deliveryCount === 1) {
    const waitedMs = startedAt.getTime() - Date.parse(work.occurredAt);
    if (Number.isFinite(waitedMs)) queueWait.observe(labels, Math.max(0, waitedMs) / 1_000);
  }
  inProgress.inc(labels);
  try {
    return await run();
  } finally {
    inProgress.dec(labels);
  }
}
