import type { Logger } from "pino";
import type { ActorState, RevocationList } from "./actor-state.ts";
import { MemoryActorState } from "./memory/memory-actor-state.ts";
import { RedisActorState } from "./redis/redis-actor-state.ts";

/** The settings `connectActorState` reads (the services' environment variables of the same names). */
export type ActorStateSettings = {
  /** Redis's URL; unset = state in this process's memory, shared with no other process. */
  REDIS_URL?: string;
  REDIS_KEY_PREFIX: string;
  ACTOR_STATE_TTL_SECONDS: number;
  REPLAY_LOG_MAX_LENGTH: number;
  REPLAY_LOG_WINDOW_SECONDS: number;
};

/**
 * The actor state named by the settings: Redis when REDIS_URL is set, else in memory, with ended
 * sign-ins kept in `revocations` when given (the embedded mode's store).
 *
 * @example
 * const actorState = connectActorState(config, logger);
 * lifecycle.onStop("actor state", () => actorState.close());
 */
export function connectActorState(
  settings: ActorStateSettings,
  logger: Logger,
  revocations?: RevocationList,
): ActorState {
  const common = {
    keyPrefix: settings.REDIS_KEY_PREFIX,
    ttlSeconds: settings.ACTOR_STATE_TTL_SECONDS,
    replayLogMaxLength: settings.REPLAY_LOG_MAX_LENGTH,
    replayLogWindowSeconds: settings.REPLAY_LOG_WINDOW_SECONDS,
  };
  if (!settings.REDIS_URL) return new MemoryActorState({ ...common, revocations });
  return new RedisActorState({
    ...common,
    url: settings.REDIS_URL,
    logger: logger.child({ component: "actor-state" }),
  });
}
