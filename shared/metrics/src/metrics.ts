import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's Prometheus metrics. Every service in the process adds to this one registry (the
 * embedded default runs all five in one), and `/metrics` shows it in the text exposition format.
 * Metrics are made on first use and found again by name after that, so a module that is set up
 * twice in one process (tests do) counts into the same series.
 */
export const metrics = new Registry();

let processMetricsOn = false;

/** Adds the process's own metrics (CPU, memory, event-loop lag, file descriptors), once. */
export function collectProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: metrics, prefix: "chat_" });
}

/** The text of every metric, and the content type to send it with. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  return { body: await metrics.metrics(), contentType: metrics.contentType };
}

/**
 * The counter `name`, made on first use.
 *
 * @example
 * counter("chat_things_total", "Things done", ["kind"]).inc({ kind: "a" });
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (
    (metrics.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [metrics] })
  );
}

/** The gauge `name`, made on first use: a value that goes up and down (open streams). */
export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return (
    (metrics.getSingleMetric(name) as Gauge<L> | undefined) ??
    new Gauge({ name, help, labelNames, registers: [metrics] })
  );
}

/** The histogram `name` with `buckets`, made on first use: durations and sizes. */
export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return (
    (metrics.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram({ name, help, labelNames, buckets, registers: [metrics] })
  );
}

/** Buckets for latencies in seconds, from 1 ms to 30 s. */
export const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
