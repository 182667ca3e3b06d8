import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";

/** Where a trace context travels: message headers (AMQP), or an object of string fields. */
export type TraceHeaders = { traceparent: string; tracestate?: string };

const stringFields: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  // AMQP headers may hold numbers, buffers or tables: only a string can be a trace context.
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === "string" ? value : undefined;
  },
};

/**
 * The W3C `traceparent` (and `tracestate`) of `from` (by default the active context) as headers
 * to send with a message; undefined when tracing is off (no propagator is registered) or there
 * is no span, so nothing extra travels.
 */
export function traceHeaders(from: Context = context.active()): TraceHeaders | undefined {
  const carrier: Partial<TraceHeaders> = {};
  propagation.inject(from, carrier);
  return carrier.traceparent === undefined ? undefined : (carrier as TraceHeaders);
}

/**
 * The context carried by message headers, on a fresh root: a missing or malformed `traceparent`
 * gives a context without a parent (the consumer's span starts a trace) and never throws.
 */
export function contextFromHeaders(headers: unknown): Context {
  if (typeof headers !== "object" || headers === null) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers as Record<string, unknown>, stringFields);
}

/** The context a W3C `traceparent` string names (a bus message's envelope carries one). */
export function contextFromTraceparent(traceparent: string): Context {
  return contextFromHeaders({ traceparent });
}

/**
 * The `traceparent` of `span`, to hand on as the request's trace context (with its sampled flag,
 * so a trace the sampler dropped stays dropped downstream); undefined when tracing is off.
 */
export function traceparentOf(span: Span): string | undefined {
  if (!trace.isSpanContextValid(span.spanContext())) return undefined;
  return traceHeaders(trace.setSpan(ROOT_CONTEXT, span))?.traceparent;
}

/**
 * The parent for a span about a message: the active span when there is one (the message is sent
 * while handling something traced), otherwise the context the message's `traceparent` names.
 */
export function activeContextOr(traceparent: string): Context {
  const active = context.active();
  return trace.getSpan(active) ? active : contextFromTraceparent(traceparent);
}
