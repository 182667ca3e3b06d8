import type { FailoverClock, FailoverPolicy } from "../../failover-stream.ts";
import type { ModelEntry } from "../../model-entry.ts";
import type { GenerateRequest, ModelProvider, StreamPart } from "../../model-provider.ts";
import type { ModelRoute } from "../../model-registry.ts";
import { ProviderError } from "../provider-error.ts";

/** One request's script: parts to yield, errors to throw, and pauses (`wait`, in ms) that an abort ends. */
export type Script = Array<StreamPart | ProviderError | { wait: number }>;

/**
 * A provider that plays one script per request, in order, and records what it was asked.
 *
 * @example
 * const provider = new ScriptedProvider("a", [[overloaded()], [text("ok"), finish]]);
 */
export class ScriptedProvider implements ModelProvider {
  readonly requests: GenerateRequest[] = [];
  constructor(
    readonly id: string,
    private readonly scripts: Script[],
  ) {}

  async *stream(request: GenerateRequest): AsyncIterable<StreamPart> {
    this.requests.push(request);
    const script = this.scripts.shift() ?? [];
    for (const step of script) {
      if (step instanceof ProviderError) throw step;
      if ("wait" in step) {
        await new Promise<void>((resolve, reject) => {
          if (request.signal.aborted) return reject(request.signal.reason);
          const timer = setTimeout(resolve, step.wait);
          request.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(request.signal.reason);
          });
        });
        continue;
      }
      yield step;
    }
  }
}

/**
 * A route to `provider` for model `id`: an 8 000-token window, $1 in and $2 out per million tokens,
 * seeing images unless `vision` is false.
 */
export function route(
  id: string,
  provider: ModelProvider,
  fallbacks: string[] = [],
  vision = true,
): ModelRoute {
  const entry: ModelEntry = {
    id,
    provider: provider.id,
    upstreamModel: `${id}-upstream`,
    displayName: id,
    contextWindow: 8_000,
    maxOutputTokens: 1_000,
    inputPricePerMillion: 1,
    outputPricePerMillion: 2,
    vision,
    fallbacks,
  };
  return { entry, provider };
}

/** Two retries from a 100 ms backoff, and timeouts long enough that only a test's own pauses trip them. */
export const fastFailoverPolicy: FailoverPolicy = {
  maxRetries: 2,
  retryBaseMs: 100,
  retryMaxDelayMs: 5_000,
  firstTokenTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
};

/** A failover clock that does not wait: it records each backoff and jitters by half. */
export function fakeClock(): FailoverClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, random: () => 0.5, sleep: async (milliseconds) => void waits.push(milliseconds) };
}

export const text = (value: string): StreamPart => ({ type: "text-delta", text: value });
export const finish: Extract<StreamPart, { type: "finish" }> = {
  type: "finish",
  finishReason: "stop",
  usage: { inputTokens: 3, outputTokens: 2 },
};
export const overloaded = () => new ProviderError("scripted", "overloaded", "overloaded", { status: 529 });
export const rateLimited = (retryAfterMs?: number) =>
  new ProviderError("scripted", "rate_limited", "rate limited", { status: 429, retryAfterMs });
