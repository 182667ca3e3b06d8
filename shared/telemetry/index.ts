export { ChatAttributes, GenAiAttributes, MessagingAttributes } from "./src/attribute-names.ts";
export {
  type InSpanOptions,
  inSpan,
  isTracing,
  markFailed,
  type Span,
  SpanKind,
  tracer,
} from "./src/spans.ts";
export { startTracing } from "./src/start-tracing.ts";
export {
  activeContextOr,
  contextFromHeaders,
  contextFromTraceparent,
  type TraceHeaders,
  traceHeaders,
  traceparentOf,
} from "./src/trace-carriers.ts";
export {
  type SamplerName,
  samplerNames,
  type Tracing,
  type TracingSettings,
} from "./src/tracing-settings.ts";
