import { AppError } from "@chat/contracts";
import { counter, histogram, latencyBuckets } from "@chat/metrics";
import { ChatAttributes, markFailed, type Span } from "@chat/telemetry";
import type { TSchema } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { Handler } from "./bus.ts";
import { describeDeliveredMessage, inConsumerSpan, type MessagingSystem } from "./bus-tracing.ts";
import { MessageDecoder } from "./message-decoder.ts";
import type { Reply } from "./reply.ts";

const handled = counter(
  "chat_bus_messages_handled_total",
  "Bus messages a consumer handled, by consumer and outcome (ack, requeue, dead-letter)",
  ["consumer", "outcome"],
);
const handling = histogram(
  "chat_bus_handler_duration_seconds",
  "Time a consumer's handler took per message, failures included",
  ["consumer"],
  latencyBuckets,
);

/** Requests one `serve` subscription handles at the same time, in every adapter. */
export const serveConcurrency = 16;

/**
 * Commands one partition's consumer handles at the same time, in every adapter: one chat's
 * commands one after another (`ChatLanes`), different chats of the partition alongside.
 */
export const commandConcurrency = 32;

/** One consumer as both adapters see it: its name for logs, its decoder and its handler. */
export type DeliveryConsumer<M> = {
  name: string;
  decoder: MessageDecoder<M>;
  handler: Handler<M>;
  logger: Logger;
};

/** The consumer named in `options`, decoding each message with its schema before `handler` sees it. */
export function deliveryConsumer<M>(
  options: { name: string; schema: TSchema },
  handler: Handler<M>,
  logger: Logger,
): DeliveryConsumer<M> {
  return { name: options.name, decoder: new MessageDecoder<M>(options.schema), handler, logger };
}

/** A delivery as it reaches a consumer, before it is decoded. */
export type Delivery = {
  body: string;
  /** 1 on the first delivery, then one more per redelivery. */
  deliveryCount: number;
  /** Whether someone waits for a reply (request, requestCommand). */
  expectsReply: boolean;
  /** Aborted when the delivery can no longer be settled (see DeliveryContext). */
  signal?: AbortSignal;
  /** The routing key the message came with, where the adapter knows it. */
  routingKey?: string;
  /** The message's transport headers, where a producer's `traceparent` may travel. */
  headers?: unknown;
  system: MessagingSystem;
};

/**
 * What to do with a delivery once handled: the reply to send first, if any, then how to settle it.
 * `requeue` redelivers until the queue's delivery limit, then dead-letters.
 */
export type DeliveryOutcome = { settle: "ack" | "dead-letter" | "requeue"; reply?: Reply };

/**
 * Decodes a delivery, runs the handler and decides the outcome, the same way in every adapter:
 * with a reply address every handler error is replied and the message acked; without one a
 * non-retryable AppError dead-letters and any other error requeues. A message that fails to
 * decode is dead-lettered (and, if someone waits, answered with VALIDATION_FAILED).
 */
export async function handleDelivery<M>(
  consumer: DeliveryConsumer<M>,
  delivery: Delivery,
): Promise<DeliveryOutcome> {
  const startedAt = performance.now();
  const outcome = await inConsumerSpan(delivery.system, consumer.name, delivery, async (span) => {
    const decided = await decideDelivery(consumer, delivery, span);
    span?.setAttribute(ChatAttributes.settlement, decided.settle);
    return decided;
  });
  handling.observe({ consumer: consumer.name }, (performance.now() - startedAt) / 1_000);
  handled.inc({ consumer: consumer.name, outcome: outcome.settle });
  return outcome;
}

async function decideDelivery<M>(
  consumer: DeliveryConsumer<M>,
  delivery: Delivery,
  span: Span | undefined,
): Promise<DeliveryOutcome> {
  const decoded = consumer.decoder.decode(delivery.body);
  if (!decoded.ok) {
    if (span) markFailed(span, { code: "VALIDATION_FAILED", message: decoded.reason });
    consumer.logger.warn(
      { consumer: consumer.name, reason: decoded.reason },
      "Dead-lettered a message that failed to decode",
    );
    if (!delivery.expectsReply) return { settle: "dead-letter" };
    const error = new AppError("VALIDATION_FAILED", `The message ${decoded.reason}`, { retryable: false });
    return { settle: "dead-letter", reply: { ok: false, error: error.serialize() } };
  }
  describeDeliveredMessage(span, decoded.message);
  try {
    const value = await consumer.handler(decoded.message, {
      deliveryCount: delivery.deliveryCount,
      ...(delivery.signal ? { signal: delivery.signal } : {}),
      ...(delivery.routingKey !== undefined ? { routingKey: delivery.routingKey } : {}),
    });
    return delivery.expectsReply ? { settle: "ack", reply: { ok: true, value } } : { settle: "ack" };
  } catch (thrown) {
    const error = AppError.from(thrown);
    if (span) markFailed(span, error);
    const context = { consumer: consumer.name, err: thrown, deliveryCount: delivery.deliveryCount };
    if (delivery.expectsReply) return { settle: "ack", reply: { ok: false, error: error.serialize() } };
    if (!error.retryable) {
      consumer.logger.warn(context, "Dead-lettered a message whose handler failed for good");
      return { settle: "dead-letter" };
    }
    consumer.logger.warn(context, "Handler failed; the message will be redelivered up to the delivery limit");
    return { settle: "requeue" };
  }
}
