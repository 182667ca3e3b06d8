import { type Bus, InProcessBus, RabbitBus } from "@chat/bus";
import { type ActorState, MemoryActorState, RedisActorState, type RevocationList } from "@chat/state";
import type { Logger } from "pino";
import type { BaseConfig } from "./config.ts";
import { requireSetting } from "./config.ts";

/** The bus named by the configuration: RabbitMQ when AMQP_URL is set, else in-process. */
export async function connectBus(
  config: BaseConfig,
  logger: Logger,
  options: { standalone: boolean },
): Promise<Bus> {
  const common = { partitions: config.SESSION_PARTITIONS, deliveryLimit: config.BUS_DELIVERY_LIMIT };
  if (!config.AMQP_URL) {
    requireSetting(
      options.standalone ? undefined : "embedded",
      "AMQP_URL",
      "a service started alone needs RabbitMQ",
    );
    return new InProcessBus({ ...common, logger: logger.child({ component: "bus" }) });
  }
  const bus = new RabbitBus({
    ...common,
    url: config.AMQP_URL,
    prefix: config.BUS_PREFIX,
    logger: logger.child({ component: "bus" }),
  });
  await bus.connect();
  return bus;
}

/**
 * The actor state named by the configuration: Redis when REDIS_URL is set, else in memory, with
 * ended sign-ins kept in `options.revocations` when given (the embedded mode's store).
 */
export function connectActorState(
  config: BaseConfig,
  logger: Logger,
  options: { standalone: boolean; revocations?: RevocationList },
): ActorState {
  const common = {
    keyPrefix: config.REDIS_KEY_PREFIX,
    ttlSeconds: config.ACTOR_STATE_TTL_SECONDS,
    replayLogMaxLength: config.REPLAY_LOG_MAX_LENGTH,
  };
  if (!config.REDIS_URL) {
    requireSetting(
      options.standalone ? undefined : "embedded",
      "REDIS_URL",
      "a service started alone needs Redis",
    );
    return new MemoryActorState({ ...common, revocations: options.revocations });
  }
  return new RedisActorState({
    ...common,
    url: config.REDIS_URL,
    logger: logger.child({ component: "actor-state" }),
  });
}
