import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import type { SamplerName } from "./tracing-settings.ts";

/**
 * The SDK sampler an `OTEL_TRACES_SAMPLER` name stands for, `ratio` being its argument.
 *
 * @example
 * samplerFor("parentbased_traceidratio", 0.1); // a tenth of new traces, every child of a sampled parent
 */
export function samplerFor(name: SamplerName, ratio: number): Sampler {
  const root = name.endsWith("always_off")
    ? new AlwaysOffSampler()
    : name.endsWith("traceidratio")
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
}
