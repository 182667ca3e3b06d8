import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";

export { type Context, type Span, SpanKind };

/**
 * The tracer of every span the system makes. Until `startTracing` registers an SDK it is the
 * API's no-op tracer: its spans record nothing and cost a small object each.
 */
export const tracer = trace.getTracer("chat-system");

let started = false;

/**
 * Whether `startTracing` registered an SDK in this process. Hot paths (every bus message) ask it
 * first, so that with tracing off they build no span, attribute or header at all.
 */
export function isTracing(): boolean {
  return started;
}

/** Called once the SDK is registered (by `startTracing` only). */
export function markTracingStarted(): void {
  started = true;
}

export type InSpanOptions = {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The span's parent; by default the active span (none: a new trace). */
  parent?: Context;
};

/**
 * Runs `work` inside a new span, active for everything `work` awaits, and ends it when `work`
 * settles; a throw marks the span failed and is thrown on.
 *
 * @example
 * const chat = await inSpan("store get_chat", { kind: SpanKind.SERVER }, () => store.getChat(id));
 */
export async function inSpan<T>(
  name: string,
  options: InSpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Marks `span` failed by `error`: the status and `error.type` (an AppError's code, a provider
 * error's kind, or the error's name). Never the stack or user content: a span leaves the process.
 */
export function markFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const described = error as { code?: unknown; kind?: unknown; name?: unknown; message?: unknown };
  const type = [described?.code, described?.kind, described?.name].find((value) => typeof value === "string");
  span.setAttribute(ATTR_ERROR_TYPE, (type as string | undefined) ?? "_OTHER");
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(typeof described?.message === "string" ? { message: described.message } : {}),
  });
}
