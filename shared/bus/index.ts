export type {
  Bus,
  ConsumerOptions,
  DeliveryContext,
  EventStream,
  Handler,
  PublishOptions,
  Subscription,
  WorkQueueName,
} from "./src/bus.ts";
export { type BusSettings, connectBus } from "./src/connect-bus.ts";
export { InProcessBus, type InProcessBusOptions } from "./src/in-process-bus.ts";
export { RabbitBus, type RabbitBusOptions } from "./src/rabbit-bus.ts";
