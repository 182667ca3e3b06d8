export {
  collectProcessMetrics,
  counter,
  gauge,
  histogram,
  latencyBuckets,
  renderMetrics,
} from "./src/metrics.ts";
