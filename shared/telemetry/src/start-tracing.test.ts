import { describe, expect, test } from "bun:test";
import { inSpan, isTracing } from "./spans.ts";
import { startTracing } from "./start-tracing.ts";
import { traceHeaders, traceparentOf } from "./trace-carriers.ts";

describe("startTracing without an endpoint", () => {
  test("registers nothing: spans record nothing, and no trace header is made", async () => {
    const tracing = await startTracing({
      serviceName: "test",
      endpoint: undefined,
      exportDelayMs: 100,
      sampler: { name: "parentbased_always_on", ratio: 1 },
      onExportError: () => {
        throw new Error("nothing is exported");
      },
    });
    expect(tracing.enabled).toBe(false);
    expect(isTracing()).toBe(false);
    const seen = await inSpan("untraced", {}, async (span) => ({
      recording: span.isRecording(),
      headers: traceHeaders(),
      traceparent: traceparentOf(span),
    }));
    expect(seen).toEqual({ recording: false, headers: undefined, traceparent: undefined });
    await tracing.stop();
  });
});
