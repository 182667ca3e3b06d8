import {
  ChatAttributes,
  GenAiAttributes,
  inSpan,
  isTracing,
  markFailed,
  type Span,
  SpanKind,
  tracer,
} from "@chat/telemetry";
import type { ModelCallOutcome } from "./model-call-outcome.ts";
import type { GenerateRequest, StreamPart } from "./model-provider.ts";
import type { ModelRoute } from "./model-registry.ts";

/**
 * Runs one generation (the failover chain for `modelId`, retries included) inside a span
 * `generate <model>` that ends with what it came to: the model and provider that answered, the
 * tokens (GenAI conventions), the cost and the finish reason. Streamed text makes no spans.
 */
export function inGenerationSpan(
  modelId: string,
  generate: () => Promise<ModelCallOutcome>,
): Promise<ModelCallOutcome> {
  if (!isTracing()) return generate();
  return inSpan(
    `generate ${modelId}`,
    { attributes: { [GenAiAttributes.operationName]: "chat", [GenAiAttributes.requestModel]: modelId } },
    async (span) => {
      const outcome = await generate();
      span.setAttributes({
        [GenAiAttributes.responseModel]: outcome.modelId,
        [GenAiAttributes.providerName]: outcome.usage.provider,
        [GenAiAttributes.responseFinishReasons]: [outcome.finishReason],
        [GenAiAttributes.usageInputTokens]: outcome.usage.inputTokens,
        [GenAiAttributes.usageOutputTokens]: outcome.usage.outputTokens,
        [ChatAttributes.costUsd]: outcome.usage.costUsd,
        ...(outcome.usage.timeToFirstTokenMs === null
          ? {}
          : { [ChatAttributes.timeToFirstTokenMs]: outcome.usage.timeToFirstTokenMs }),
      });
      if (outcome.error) markFailed(span, outcome.error);
      return outcome;
    },
  );
}

/**
 * The client span of one request to one provider (`chat <upstream model>`, GenAI conventions),
 * a child of the active generation span; undefined when tracing is off. End it with
 * `endProviderCallSpan`.
 */
export function startProviderCallSpan(
  route: ModelRoute,
  request: Pick<GenerateRequest, "maxOutputTokens" | "temperature" | "topP">,
): Span | undefined {
  if (!isTracing()) return undefined;
  const model = route.entry.upstreamModel;
  return tracer.startSpan(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [GenAiAttributes.operationName]: "chat",
      [GenAiAttributes.providerName]: route.provider.id,
      [GenAiAttributes.requestModel]: model,
      [GenAiAttributes.requestMaxTokens]: request.maxOutputTokens,
      ...(request.temperature === undefined
        ? {}
        : { [GenAiAttributes.requestTemperature]: request.temperature }),
      ...(request.topP === undefined ? {} : { [GenAiAttributes.requestTopP]: request.topP }),
    },
  });
}

/** Ends a provider call's span with its finish (reason, reported tokens) or its failure. */
export function endProviderCallSpan(
  span: Span | undefined,
  ending: { finish?: Extract<StreamPart, { type: "finish" }>; error?: unknown },
): void {
  if (!span) return;
  const { finish, error } = ending;
  if (finish) {
    span.setAttribute(GenAiAttributes.responseFinishReasons, [finish.finishReason]);
    if (finish.usage) {
      span.setAttribute(GenAiAttributes.usageInputTokens, finish.usage.inputTokens);
      span.setAttribute(GenAiAttributes.usageOutputTokens, finish.usage.outputTokens);
    }
  }
  if (error !== undefined) markFailed(span, error);
  span.end();
}
