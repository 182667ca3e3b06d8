/** Percentiles of a sample, in the sample's unit, rounded to 0.01. */
export type LatencySummary = {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
};

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Nearest-rank percentiles of `values` (which it sorts in place). */
export function summarizeLatencies(values: number[]): LatencySummary {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  values.sort((a, b) => a - b);
  const at = (fraction: number) =>
    values[Math.min(values.length - 1, Math.ceil(fraction * values.length) - 1)] as number;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    count: values.length,
    mean: round(mean),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(values[values.length - 1] as number),
  };
}
