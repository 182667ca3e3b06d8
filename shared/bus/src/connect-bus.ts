import type { Logger } from "pino";
import type { Bus } from "./bus.ts";
import { InProcessBus } from "./in-process-bus.ts";
import { RabbitBus } from "./rabbit-bus.ts";

/** The settings `connectBus` reads (the services' environment variables of the same names). */
export type BusSettings = {
  /** RabbitMQ's URL; unset = the in-process bus, which reaches only services in this process. */
  AMQP_URL?: string;
  BUS_PREFIX: string;
  SESSION_PARTITIONS: number;
  BUS_DELIVERY_LIMIT: number;
};

/**
 * The bus named by the settings: RabbitMQ when AMQP_URL is set, else in-process.
 *
 * @example
 * const bus = await connectBus(config, logger);
 * lifecycle.onStop("bus", () => bus.close());
 */
export async function connectBus(settings: BusSettings, logger: Logger): Promise<Bus> {
  const common = {
    partitions: settings.SESSION_PARTITIONS,
    deliveryLimit: settings.BUS_DELIVERY_LIMIT,
    logger: logger.child({ component: "bus" }),
  };
  if (!settings.AMQP_URL) return new InProcessBus(common);
  const bus = new RabbitBus({ ...common, url: settings.AMQP_URL, prefix: settings.BUS_PREFIX });
  await bus.connect();
  return bus;
}
