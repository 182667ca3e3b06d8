import { describe, expect, test } from "bun:test";
import {
  type FailoverClock,
  type FailoverPart,
  type FailoverPolicy,
  streamWithFailover,
} from "./failover-stream.ts";
import type { ModelRoute } from "./model-registry.ts";
import {
  fakeClock,
  fastFailoverPolicy,
  finish,
  overloaded,
  rateLimited,
  route,
  ScriptedProvider,
  text,
} from "./providers/__fixtures__/scripted-provider.ts";
import { ProviderError } from "./providers/provider-error.ts";

async function run(
  chain: ModelRoute[],
  options: { policy?: FailoverPolicy; clock?: FailoverClock; signal?: AbortSignal } = {},
) {
  const parts: FailoverPart[] = [];
  const steps: string[] = [];
  try {
    for await (const part of streamWithFailover(
      chain,
      {
        contextFor: () => [{ role: "user", content: "hi" }],
        signal: options.signal ?? new AbortController().signal,
        onStep: (step) => steps.push(`${step.action}:${step.modelId}:${step.error.kind}:${step.delayMs}`),
      },
      options.policy ?? fastFailoverPolicy,
      options.clock ?? fakeClock(),
    )) {
      parts.push(part);
    }
    return { parts, steps, error: null as unknown };
  } catch (error) {
    return { parts, steps, error };
  }
}

const textOf = (parts: FailoverPart[]) =>
  parts.flatMap((part) => (part.type === "text-delta" ? [part.text] : [])).join("");

describe("streamWithFailover", () => {
  test("a healthy model streams through, announced once before its first text", async () => {
    const provider = new ScriptedProvider("a", [[text("Hel"), text("lo"), finish]]);
    const { parts, error } = await run([route("one", provider)]);
    expect(error).toBeNull();
    expect(parts.map((part) => part.type)).toEqual(["answering", "text-delta", "text-delta", "finish"]);
    expect(textOf(parts)).toBe("Hello");
    expect(provider.requests[0]?.model).toBe("one-upstream");
  });

  test("retries with exponential backoff and full jitter before the first token", async () => {
    const provider = new ScriptedProvider("a", [[overloaded()], [overloaded()], [text("ok"), finish]]);
    const clock = fakeClock();
    const { parts, steps, error } = await run([route("one", provider)], { clock });
    expect(error).toBeNull();
    expect(textOf(parts)).toBe("ok");
    // random() = 0.5: half of 100 ms, then half of 200 ms.
    expect(clock.waits).toEqual([50, 100]);
    expect(steps).toEqual(["retry:one:overloaded:50", "retry:one:overloaded:100"]);
  });

  test("honours retry-after instead of its own backoff", async () => {
    const provider = new ScriptedProvider("a", [[rateLimited(1_500)], [text("ok"), finish]]);
    const clock = fakeClock();
    await run([route("one", provider)], { clock });
    expect(clock.waits).toEqual([1_500]);
  });

  test("a retry-after longer than the longest wait fails over at once, in fallback order", async () => {
    const first = new ScriptedProvider("a", [[rateLimited(60_000)]]);
    const second = new ScriptedProvider("b", [[overloaded()], [overloaded()], [overloaded()]]);
    const third = new ScriptedProvider("c", [[text("from three"), finish]]);
    const clock = fakeClock();
    const { parts, steps } = await run([route("one", first), route("two", second), route("three", third)], {
      clock,
    });
    expect(steps).toEqual([
      "fail_over:one:rate_limited:0",
      "retry:two:overloaded:50",
      "retry:two:overloaded:100",
      "fail_over:two:overloaded:0",
    ]);
    const answering = parts.find((part) => part.type === "answering");
    expect(answering?.type === "answering" && answering.route.entry.id).toBe("three");
    expect(textOf(parts)).toBe("from three");
  });

  test("a non-retryable error (bad key) neither retries nor fails over", async () => {
    const first = new ScriptedProvider("a", [[new ProviderError("a", "auth", "bad key", { status: 401 })]]);
    const second = new ScriptedProvider("b", [[text("never"), finish]]);
    const { error, steps } = await run([route("one", first), route("two", second)]);
    expect(ProviderError.isInstance(error) && error.kind).toBe("auth");
    expect(steps).toEqual([]);
    expect(second.requests).toHaveLength(0);
  });

  test("when every model fails, the last error is thrown", async () => {
    const only = new ScriptedProvider("a", [[overloaded()], [overloaded()], [rateLimited()]]);
    const { error, parts } = await run([route("one", only)]);
    expect(ProviderError.isInstance(error) && error.kind).toBe("rate_limited");
    expect(parts).toEqual([]);
  });

  test("an error after the first token is thrown, not retried: the text already left", async () => {
    const provider = new ScriptedProvider("a", [
      [text("partial "), new ProviderError("a", "connection", "dropped")],
      [text("second try"), finish],
    ]);
    const { parts, error } = await run([route("one", provider)]);
    expect(textOf(parts)).toBe("partial ");
    expect(ProviderError.isInstance(error) && error.kind).toBe("connection");
    expect(provider.requests).toHaveLength(1);
  });

  test("a silent provider times out before its first token and is retried; between tokens it fails the stream", async () => {
    const fast = { ...fastFailoverPolicy, firstTokenTimeoutMs: 30, idleTimeoutMs: 30 };
    const slowStart = new ScriptedProvider("a", [
      [{ wait: 1_000 }, text("late")],
      [text("on time"), finish],
    ]);
    const started = await run([route("one", slowStart)], { policy: fast });
    expect(started.steps).toEqual(["retry:one:timeout:50"]);
    expect(textOf(started.parts)).toBe("on time");

    const stalls = new ScriptedProvider("a", [[text("first "), { wait: 1_000 }, text("never")]]);
    const stalled = await run([route("one", stalls)], { policy: fast });
    expect(textOf(stalled.parts)).toBe("first ");
    expect(ProviderError.isInstance(stalled.error) && stalled.error.kind).toBe("timeout");
  });

  test("the caller's abort stops the upstream request and is rethrown as is", async () => {
    const provider = new ScriptedProvider("a", [[text("one "), { wait: 5_000 }, text("two")]]);
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const parts: FailoverPart[] = [];
    let thrown: unknown;
    try {
      for await (const part of streamWithFailover(
        [route("one", provider)],
        { contextFor: () => [], signal: controller.signal },
        fastFailoverPolicy,
        fakeClock(),
      )) {
        parts.push(part);
        if (part.type === "text-delta") controller.abort(reason);
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(reason);
    expect(provider.requests[0]?.signal.aborted).toBe(true);
    expect(textOf(parts)).toBe("one ");
  });
});
