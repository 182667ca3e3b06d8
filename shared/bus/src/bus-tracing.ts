import type { Envelope } from "@chat/contracts";
import {
  activeContextOr,
  ChatAttributes,
  contextFromHeaders,
  inSpan,
  isTracing,
  MessagingAttributes,
  type Span,
  SpanKind,
  type TraceHeaders,
  traceHeaders,
} from "@chat/telemetry";

/** `rabbitmq`, or `in_process` for the embedded bus. */
export type MessagingSystem = "rabbitmq" | "in_process";

/**
 * Where a message goes, as its spans name it: the logical destination (`session`, `ai.generate`,
 * `chat.events`, `rpc.store`), the same in every adapter and deployment, never a namespaced queue.
 */
export type Destination = { operation: "send" | "publish"; name: string; routingKey?: string };

/**
 * Sends `message` inside a producer span (`send session`, `publish chat.events`), a child of the
 * active span or else of the message's own `traceparent`; `send` gets the span's context as
 * headers to carry with the message. With tracing off there is no span and no headers.
 */
export function inProducerSpan<T>(
  system: MessagingSystem,
  destination: Destination,
  message: Envelope,
  send: (headers: TraceHeaders | undefined) => Promise<T>,
): Promise<T> {
  if (!isTracing()) return send(undefined);
  return inSpan(
    `${destination.operation} ${destination.name}`,
    {
      kind: SpanKind.PRODUCER,
      parent: activeContextOr(message.traceparent),
      attributes: {
        [MessagingAttributes.system]: system,
        [MessagingAttributes.operationType]: destination.operation,
        [MessagingAttributes.operationName]: destination.operation,
        [MessagingAttributes.destinationName]: destination.name,
        [MessagingAttributes.messageId]: message.id,
        [ChatAttributes.messageType]: message.type,
        [ChatAttributes.chatId]: message.chatId,
        ...(destination.routingKey ? { [MessagingAttributes.routingKey]: destination.routingKey } : {}),
      },
    },
    () => send(traceHeaders()),
  );
}

/**
 * Handles a delivery inside a consumer span (`process session`), a child of the producer span
 * whose context came in `headers`; headers that are missing or malformed start a new trace.
 * With tracing off `handle` runs alone, with no span.
 */
export function inConsumerSpan<T>(
  system: MessagingSystem,
  consumerName: string,
  delivery: { headers?: unknown; deliveryCount: number },
  handle: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!isTracing()) return handle(undefined);
  return inSpan(
    `process ${consumerName}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromHeaders(delivery.headers),
      attributes: {
        [MessagingAttributes.system]: system,
        [MessagingAttributes.operationType]: "process",
        [MessagingAttributes.operationName]: "process",
        [MessagingAttributes.consumerGroupName]: consumerName,
        [ChatAttributes.deliveryCount]: delivery.deliveryCount,
      },
    },
    handle,
  );
}

/** Names the message a consumer span handles, once it has passed its schema. */
export function describeDeliveredMessage(span: Span | undefined, message: unknown): void {
  if (!span || typeof message !== "object" || message === null) return;
  const { id, type, chatId } = message as Partial<Envelope>;
  if (typeof id === "string") span.setAttribute(MessagingAttributes.messageId, id);
  if (typeof type === "string") span.setAttribute(ChatAttributes.messageType, type);
  if (typeof chatId === "string") span.setAttribute(ChatAttributes.chatId, chatId);
}
