import { endProviderCallSpan, startProviderCallSpan } from "./generation-spans.ts";
import type { GenerateRequest, ModelMessage, StreamPart } from "./model-provider.ts";
import type { ModelRoute } from "./model-registry.ts";
import { ProviderError } from "./providers/provider-error.ts";

export type FailoverPolicy = {
  /** Retries of one model before the first token, before moving to its next fallback. */
  maxRetries: number;
  retryBaseMs: number;
  /** A retry-after longer than this moves to the next fallback at once. */
  retryMaxDelayMs: number;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
};

export type FailoverClock = {
  sleep(milliseconds: number, signal: AbortSignal): Promise<void>;
  /** In [0, 1), for jitter. */
  random(): number;
};

/** What happened before the first token: a retry of the same model, or a move to the next one. */
export type FailoverStep = {
  action: "retry" | "fail_over";
  modelId: string;
  provider: string;
  attempt: number;
  error: ProviderError;
  delayMs: number;
};

export type FailoverRequest = {
  /** The messages for a model, built for its context window. */
  contextFor(route: ModelRoute): ModelMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  signal: AbortSignal;
  onStep?(step: FailoverStep): void;
};

/** `answering` comes once, just before the first text, naming the model that answers. */
export type FailoverPart = StreamPart | { type: "answering"; route: ModelRoute };

type AttemptOutcome = { failed: false } | { failed: true; error: ProviderError };

/**
 * Streams from the first model of `chain` that answers. Before the first token, a retryable
 * failure (429, 5xx, overloaded, timeout, dropped connection) is retried with exponential backoff
 * and full jitter, honouring `retry-after`, then the next model of the chain is tried. After the
 * first token nothing is retried (the text was already sent): the error is thrown. Throws the
 * abort reason when `request.signal` aborts, and the last ProviderError when every model failed.
 */
export async function* streamWithFailover(
  chain: ModelRoute[],
  request: FailoverRequest,
  policy: FailoverPolicy,
  clock: FailoverClock,
): AsyncGenerator<FailoverPart> {
  let lastError: ProviderError | undefined;
  for (const [index, route] of chain.entries()) {
    const isLast = index === chain.length - 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = yield* attemptOnce(route, request, policy);
      if (!outcome.failed) return;
      const error = outcome.error;
      lastError = error;
      if (!error.retryable) throw error;
      const delayMs = retryDelay(error, attempt, policy, clock);
      const retry = attempt <= policy.maxRetries && delayMs <= policy.retryMaxDelayMs;
      if (!retry && isLast) throw error;
      const step: FailoverStep = {
        action: retry ? "retry" : "fail_over",
        modelId: route.entry.id,
        provider: route.provider.id,
        attempt,
        error,
        delayMs: retry ? delayMs : 0,
      };
      request.onStep?.(step);
      if (!retry) break;
      await clock.sleep(delayMs, request.signal);
    }
  }
  throw lastError ?? new ProviderError("none", "server", "No model is configured for this request");
}

function retryDelay(
  error: ProviderError,
  attempt: number,
  policy: FailoverPolicy,
  clock: FailoverClock,
): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(policy.retryMaxDelayMs, policy.retryBaseMs * 2 ** (attempt - 1));
  return Math.round(clock.random() * ceiling);
}

/**
 * One request to one model. Returns `{failed}` for a failure before the first token; throws for a
 * failure after it, and the caller's abort reason when the caller aborted.
 */
async function* attemptOnce(
  route: ModelRoute,
  request: FailoverRequest,
  policy: FailoverPolicy,
): AsyncGenerator<FailoverPart, AttemptOutcome> {
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(request.signal.reason);
  if (request.signal.aborted) throw request.signal.reason;
  request.signal.addEventListener("abort", forwardAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silenceTimeout = (milliseconds: number, what: string) => {
    timer = setTimeout(
      () =>
        controller.abort(
          new ProviderError(
            route.provider.id,
            "timeout",
            `${route.entry.id} sent no ${what} within ${milliseconds} ms`,
          ),
        ),
      milliseconds,
    );
  };
  let started = false;
  let span: ReturnType<typeof startProviderCallSpan>;
  let ending: Parameters<typeof endProviderCallSpan>[1] = {};
  try {
    silenceTimeout(policy.firstTokenTimeoutMs, "first token");
    const generateRequest: GenerateRequest = {
      model: route.entry.upstreamModel,
      messages: request.contextFor(route),
      maxOutputTokens: Math.min(
        request.maxOutputTokens ?? route.entry.maxOutputTokens,
        route.entry.maxOutputTokens,
      ),
      temperature: request.temperature,
      topP: request.topP,
      signal: controller.signal,
    };
    span = startProviderCallSpan(route, generateRequest);
    const stream = route.provider.stream(generateRequest);
    for await (const part of stream) {
      clearTimeout(timer);
      if (part.type === "finish") ending = { finish: part };
      if (part.type === "text-delta" && !started) {
        started = true;
        yield { type: "answering", route };
      }
      // The silence clock stops while the caller handles the part: a slow consumer is not a slow model.
      yield part;
      silenceTimeout(policy.idleTimeoutMs, "token");
    }
    return { failed: false };
  } catch (caught) {
    // A cancel or a superseded delivery is not the provider's failure: its span ends unmarked.
    if (request.signal.aborted) throw request.signal.reason;
    const error = ProviderError.isInstance(caught)
      ? caught
      : ProviderError.isInstance(controller.signal.reason)
        ? controller.signal.reason
        : new ProviderError(route.provider.id, "server", `${route.entry.id} failed unexpectedly`, {
            cause: caught,
          });
    ending = { error };
    if (started) throw error;
    return { failed: true, error };
  } finally {
    endProviderCallSpan(span, ending);
    clearTimeout(timer);
    request.signal.removeEventListener("abort", forwardAbort);
  }
}
