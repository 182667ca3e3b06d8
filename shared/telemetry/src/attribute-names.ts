// Attribute names of OpenTelemetry's semantic conventions that are still "incubating" (messaging,
// GenAI): the conventions package asks users to copy these rather than import its unstable entry.

/** Messaging spans (bus publish and consume). */
export const MessagingAttributes = {
  system: "messaging.system",
  operationType: "messaging.operation.type",
  operationName: "messaging.operation.name",
  destinationName: "messaging.destination.name",
  consumerGroupName: "messaging.consumer.group.name",
  messageId: "messaging.message.id",
  routingKey: "messaging.rabbitmq.destination.routing_key",
} as const;

/** GenAI spans (a generation, a provider call). */
export const GenAiAttributes = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTemperature: "gen_ai.request.temperature",
  requestTopP: "gen_ai.request.top_p",
  responseModel: "gen_ai.response.model",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  conversationId: "gen_ai.conversation.id",
} as const;

/** The system's own attributes, where no convention has a name. */
export const ChatAttributes = {
  chatId: "chat.id",
  /** A bus message's `type` (`send_message`, `store.append_message`, ...). */
  messageType: "chat.message.type",
  /** How a consumer settled a delivery: ack, requeue or dead-letter. */
  settlement: "chat.bus.settlement",
  deliveryCount: "chat.bus.delivery_count",
  costUsd: "chat.usage.cost_usd",
  timeToFirstTokenMs: "chat.usage.time_to_first_token_ms",
} as const;
