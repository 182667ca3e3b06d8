import { counter, histogram, latencyBuckets } from "@chat/metrics";
import type { FailoverStep } from "./failover-stream.ts";
import type { ModelCallOutcome } from "./model-call-outcome.ts";

const calls = counter(
  "chat_model_calls_total",
  "Model calls (answers, titles, /v1 completions) by the model that answered, its provider and how it finished",
  ["model", "provider", "finish_reason"],
);
const timeToFirstToken = histogram(
  "chat_model_time_to_first_token_seconds",
  "From the start of a model call to its first text, by provider (retries and fail-overs included)",
  ["provider"],
  latencyBuckets,
);
const tokens = counter(
  "chat_model_tokens_total",
  "Tokens of model calls, by provider and direction (input, output)",
  ["provider", "direction"],
);
const providerFailures = counter(
  "chat_provider_failures_total",
  "Provider failures before the first token, by provider, error kind and what followed (retry, fail_over)",
  ["provider", "kind", "action"],
);

/** Counts one finished model call for /metrics. */
export function recordModelCall(outcome: ModelCallOutcome): void {
  const { usage } = outcome;
  const provider = usage.provider ?? "none";
  calls.inc({ model: outcome.modelId, provider, finish_reason: outcome.finishReason });
  if (usage.timeToFirstTokenMs !== null && usage.timeToFirstTokenMs !== undefined) {
    timeToFirstToken.observe({ provider }, usage.timeToFirstTokenMs / 1_000);
  }
  tokens.inc({ provider, direction: "input" }, usage.inputTokens);
  tokens.inc({ provider, direction: "output" }, usage.outputTokens);
}

/** Counts a provider failure that the failover handled by a retry or a move to the next model. */
export function recordProviderFailure(step: FailoverStep): void {
  providerFailures.inc({ provider: step.provider, kind: step.error.kind, action: step.action });
}
