import { AppError, type ErrorCode, type FinishReason, modelCannotSeeImages } from "@chat/contracts";
import type { Logger } from "pino";
import {
  type FailoverClock,
  type FailoverPolicy,
  type FailoverStep,
  streamWithFailover,
} from "./failover-stream.ts";
import { GenerationCancelled } from "./generation-cancellations.ts";
import { inGenerationSpan } from "./generation-spans.ts";
import { recordModelCall, recordProviderFailure } from "./model-call-metrics.ts";
import type { ModelCallOutcome } from "./model-call-outcome.ts";
import { buildModelContext } from "./model-context.ts";
import type { ModelMessage, ProviderUsage } from "./model-provider.ts";
import type { ModelRegistry, ModelRoute } from "./model-registry.ts";
import { ProviderError, type ProviderErrorKind } from "./providers/provider-error.ts";
import type { TokenEstimator } from "./token-estimator.ts";

export type ModelCall = {
  modelId: string;
  /** The conversation, oldest first, ending with the newest user message; attachments resolved. */
  history: ModelMessage[];
  /** The instructions of the chat's project, before the chat's prompt. */
  projectPrompt?: string;
  chatPrompt?: string;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  signal: AbortSignal;
  /** Each piece of text as it arrives; awaited, so a slow consumer slows the read. */
  onText(text: string): Promise<void>;
  logger: Logger;
};

const codeByKind: Record<ProviderErrorKind, ErrorCode> = {
  rate_limited: "RATE_LIMITED",
  overloaded: "PROVIDER_OVERLOADED",
  timeout: "PROVIDER_TIMEOUT",
  server: "PROVIDER_ERROR",
  connection: "PROVIDER_ERROR",
  malformed: "PROVIDER_ERROR",
  auth: "PROVIDER_ERROR",
  bad_request: "PROVIDER_ERROR",
};

/** `onText` failed: not the model's fault, so not a finished generation. */
class HandOverFailed extends Error {
  constructor(override readonly cause: unknown) {
    super("Handing over generated text failed");
  }
}

/** The client-facing error for a failed generation; ProviderError messages are ours, safe to show. */
function toAppError(error: unknown): AppError {
  if (AppError.isInstance(error)) return error;
  if (ProviderError.isInstance(error)) {
    return new AppError(codeByKind[error.kind], error.message, { retryable: error.retryable });
  }
  return new AppError("GENERATION_FAILED", "The model failed to answer", { retryable: true });
}

function costOf(route: ModelRoute, inputTokens: number, outputTokens: number): number {
  const { inputPricePerMillion, outputPricePerMillion } = route.entry;
  return (inputTokens * inputPricePerMillion + outputTokens * outputPricePerMillion) / 1_000_000;
}

/**
 * Calls a model the way every generation needs: the context built for the model's window, the
 * failover chain with retries and timeouts, cancel, and the usage with time to first token,
 * duration and cost. A model's failure ends as `finishReason: "error"` with the text so far; only a
 * failure of `onText` (the bus, the replay log) is thrown, so the request is redelivered.
 */
export class ModelCaller {
  constructor(
    private readonly dependencies: {
      /** Only the failover chain is asked for, so tests can pass a scripted one. */
      registry: Pick<ModelRegistry, "failoverChain">;
      estimator: TokenEstimator;
      policy: FailoverPolicy;
      clock: FailoverClock;
      deploymentPrompt?: string;
      now?: () => number;
      /** Told of each provider failure the failover handled (a retry or a move to the next model). */
      onProviderFailure?: (step: FailoverStep) => void;
    },
  ) {}

  call(request: ModelCall): Promise<ModelCallOutcome> {
    return inGenerationSpan(request.modelId, () => this.callChain(request));
  }

  private async callChain(request: ModelCall): Promise<ModelCallOutcome> {
    const { registry, estimator, policy, clock } = this.dependencies;
    const now = this.dependencies.now ?? performance.now.bind(performance);
    const started = now();
    const requested = registry.failoverChain(request.modelId);
    // Images in the question need a model that sees them; fallbacks that do not are skipped.
    const needsVision = (request.history.at(-1)?.images?.length ?? 0) > 0;
    const chain = needsVision ? requested.filter((route) => route.entry.vision) : requested;
    const contexts = new Map<ModelRoute, ModelMessage[]>();
    const contextFor = (route: ModelRoute) => {
      const context = buildModelContext({
        deploymentPrompt: this.dependencies.deploymentPrompt,
        projectPrompt: request.projectPrompt,
        chatPrompt: request.chatPrompt,
        history: request.history,
        contextWindow: route.entry.contextWindow,
        vision: route.entry.vision,
        tokenCorrection: estimator.correctionFor(route.entry.id),
      });
      contexts.set(route, context);
      return context;
    };

    let text = "";
    let answering: ModelRoute | null = null;
    let timeToFirstTokenMs: number | null = null;
    let finishReason: FinishReason = "stop";
    let reported: ProviderUsage | null = null;
    let error: AppError | undefined;
    try {
      if (requested.length === 0) {
        throw new AppError("MODEL_NOT_AVAILABLE", `Model "${request.modelId}" is not available`, {
          retryable: false,
        });
      }
      if (chain[0] !== requested[0]) throw modelCannotSeeImages(request.modelId);
      const parts = streamWithFailover(
        chain,
        {
          contextFor,
          maxOutputTokens: request.maxOutputTokens,
          temperature: request.temperature,
          topP: request.topP,
          signal: request.signal,
          onStep: (step) => {
            recordProviderFailure(step);
            this.dependencies.onProviderFailure?.(step);
            request.logger.warn(
              {
                action: step.action,
                model: step.modelId,
                provider: step.provider,
                attempt: step.attempt,
                errorKind: step.error.kind,
                status: step.error.status,
                delayMs: step.delayMs,
              },
              step.action === "retry" ? "provider failed; retrying" : "provider failed; failing over",
            );
          },
        },
        policy,
        clock,
      );
      for await (const part of parts) {
        if (part.type === "answering") {
          answering = part.route;
          timeToFirstTokenMs = Math.round(now() - started);
        } else if (part.type === "text-delta") {
          text += part.text;
          await request.onText(part.text).catch((failure: unknown) => {
            throw new HandOverFailed(failure);
          });
        } else {
          finishReason = part.finishReason;
          reported = part.usage;
        }
      }
    } catch (caught) {
      if (caught instanceof HandOverFailed) throw caught.cause;
      if (request.signal.aborted && request.signal.reason instanceof GenerationCancelled) {
        finishReason = "cancelled";
      } else {
        finishReason = "error";
        error = toAppError(caught);
        request.logger.error(
          {
            code: error.code,
            errorKind: ProviderError.isInstance(caught) ? caught.kind : undefined,
            status: ProviderError.isInstance(caught) ? caught.status : undefined,
            errorName: caught instanceof Error ? caught.name : typeof caught,
            receivedCharacters: text.length,
          },
          "generation failed",
        );
      }
    }

    const route = answering ?? requested[0];
    const context = route ? contexts.get(route) : undefined;
    let inputTokens = 0;
    let outputTokens = 0;
    if (route && context && answering) {
      if (reported && reported.inputTokens > 0)
        estimator.observe(route.entry.id, context, reported.inputTokens);
      inputTokens = reported?.inputTokens ?? estimator.estimate(route.entry.id, context);
      outputTokens = reported?.outputTokens ?? Math.ceil(text.length / 4);
    }
    const outcome: ModelCallOutcome = {
      text,
      finishReason,
      modelId: route?.entry.id ?? request.modelId,
      usage: {
        inputTokens,
        outputTokens,
        costUsd: route ? costOf(route, inputTokens, outputTokens) : 0,
        timeToFirstTokenMs,
        durationMs: Math.round(now() - started),
        provider: route?.provider.id ?? "none",
      },
      ...(error ? { error } : {}),
    };
    recordModelCall(outcome);
    return outcome;
  }
}
