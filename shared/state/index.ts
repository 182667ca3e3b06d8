export type {
  ActorState,
  ActorStateOptions,
  BucketLimit,
  BucketVerdict,
  FollowedChatEvent,
  OneTimeTickets,
  RateLimiter,
  ReplayLog,
  ReplayLogTail,
  ReplayLogTailOptions,
  ReplayRead,
  RevocationList,
  Snapshot,
} from "./src/actor-state.ts";
export { ChatEventPublisher } from "./src/chat-event-publisher.ts";
export { type ActorStateSettings, connectActorState } from "./src/connect-actor-state.ts";
export { MemoryActorState, type MemoryActorStateOptions } from "./src/memory/memory-actor-state.ts";
export { RedisActorState, type RedisActorStateOptions } from "./src/redis/redis-actor-state.ts";
export { TokenBucket } from "./src/token-bucket.ts";
export { checkTtlSeconds } from "./src/ttl-seconds.ts";
