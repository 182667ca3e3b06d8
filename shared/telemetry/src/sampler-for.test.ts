import { describe, expect, test } from "bun:test";
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace";
import { samplerFor } from "./sampler-for.ts";
import type { SamplerName } from "./tracing-settings.ts";

const parent = (sampled: boolean) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });

/** The share of 2 000 new traces (random ids) that `name` records. */
function recordedShare(name: SamplerName, ratio: number, context = ROOT_CONTEXT): number {
  const sampler = samplerFor(name, ratio);
  let recorded = 0;
  for (let index = 0; index < 2_000; index++) {
    const traceId = crypto.getRandomValues(new Uint8Array(16)).toHex();
    const { decision } = sampler.shouldSample(context, traceId, "span", SpanKind.INTERNAL, {}, []);
    if (decision === SamplingDecision.RECORD_AND_SAMPLED) recorded++;
  }
  return recorded / 2_000;
}

describe("samplerFor", () => {
  test("always_on and always_off record all or none of the new traces", () => {
    expect(recordedShare("always_on", 0)).toBe(1);
    expect(recordedShare("parentbased_always_on", 0)).toBe(1);
    expect(recordedShare("always_off", 1)).toBe(0);
    expect(recordedShare("parentbased_always_off", 1)).toBe(0);
  });

  test("traceidratio records about its ratio of new traces", () => {
    expect(recordedShare("traceidratio", 0.25)).toBeWithin(0.18, 0.32);
    expect(recordedShare("parentbased_traceidratio", 0.25)).toBeWithin(0.18, 0.32);
  });

  test("the parent-based ones follow the parent's decision; the others decide alone", () => {
    expect(recordedShare("parentbased_traceidratio", 0, parent(true))).toBe(1);
    expect(recordedShare("parentbased_always_on", 1, parent(false))).toBe(0);
    expect(recordedShare("always_on", 1, parent(false))).toBe(1);
  });
});
