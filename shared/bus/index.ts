export type {
  Bus,
  ConsumerOptions,
  DeadLetter,
  DeliveryContext,
  EventStream,
  EventStreamOptions,
  Handler,
  PublishOptions,
  ReplySchemas,
  ReplyTo,
  RequestOptions,
  ServeOptions,
  Subscription,
  WorkQueueName,
} from "./src/bus.ts";
export { requestSource } from "./src/bus.ts";
export { ChatCommandClient } from "./src/clients/chat-command-client.ts";
export { deleteListedChats, type ListedChat } from "./src/clients/delete-listed-chats.ts";
export { GenerationClient } from "./src/clients/generation-client.ts";
export { OrchestratorClient } from "./src/clients/orchestrator-client.ts";
export { StoreClient } from "./src/clients/store-client.ts";
export { type BusSettings, connectBus } from "./src/connect-bus.ts";
export { InProcessBus, type InProcessBusOptions } from "./src/in-process-bus.ts";
export { type Decoded, MessageDecoder } from "./src/message-decoder.ts";
export { RabbitBus, type RabbitBusOptions } from "./src/rabbit-bus.ts";
export { RabbitTopology } from "./src/rabbit-topology.ts";
