import { type Bus, ChatCommandClient, StoreClient } from "@chat/bus";
import { ChatCommand, chatCommandReplySchemas } from "@chat/contracts";
import { type BaseConfig, type Logger, newId, type RunningService } from "@chat/runtime";
import { type ActorState, ChatEventPublisher } from "@chat/state";
import { ChatAttributes, inSpan } from "@chat/telemetry";
import { AnswerRecovery } from "./answer-recovery.ts";
import { ChatActorRunner } from "./chat-actor-runner.ts";
import { ChatRetention } from "./chat-retention.ts";
import type { SessionConfig } from "./session-config.ts";

/**
 * Starts the chat-session service: one actor per chat, fed by the command partitions, and the
 * sweeps that end answers whose writer is gone (see AnswerRecovery) and delete chats past their
 * retention (see ChatRetention).
 */
export async function startSession(dependencies: {
  bus: Bus;
  actorState: ActorState;
  logger: Logger;
  config: Pick<
    SessionConfig,
    | "CONTEXT_MESSAGE_LIMIT"
    | "TURN_TIMEOUT_MS"
    | "ANSWER_RECOVERY_INTERVAL_MS"
    | "ANSWER_DRAFT_STALE_MS"
    | "HOLD_TTL_MS"
    | "CHAT_RETENTION_DAYS"
    | "CHAT_RETENTION_SWEEP_INTERVAL_MS"
  > &
    Pick<BaseConfig, "BUS_REQUEST_TIMEOUT_MS">;
  /**
   * Every answer draft found at start has lost its writer: true for the embedded process, whose
   * orchestrator started with it. Five processes leave fresh drafts to their writers.
   */
  orphanedDraftsAtStart?: boolean;
}): Promise<RunningService> {
  const { bus, actorState, logger, config } = dependencies;
  const now = () => new Date();
  const store = new StoreClient(bus, { timeoutMs: config.BUS_REQUEST_TIMEOUT_MS, newId, now });
  const runner = new ChatActorRunner(
    {
      bus,
      actorState,
      store,
      events: new ChatEventPublisher(bus, actorState.replayLog, { newId, now }),
      logger,
    },
    {
      contextMessageLimit: config.CONTEXT_MESSAGE_LIMIT,
      turnTimeoutMs: config.TURN_TIMEOUT_MS,
      holdTtlMs: config.HOLD_TTL_MS,
      now,
      newId,
    },
  );
  const subscription = await bus.consumeCommands(
    { name: "session", schema: ChatCommand, replySchemas: chatCommandReplySchemas },
    (command) =>
      inSpan(
        `actor ${command.type}`,
        {
          attributes: { [ChatAttributes.chatId]: command.chatId, [ChatAttributes.messageType]: command.type },
        },
        () => runner.handle(command),
      ),
  );
  const commands = new ChatCommandClient(bus, { timeoutMs: config.BUS_REQUEST_TIMEOUT_MS, newId, now });
  const recovery = new AnswerRecovery(
    { commands, store, logger },
    {
      intervalMs: config.ANSWER_RECOVERY_INTERVAL_MS,
      staleAfterMs: config.ANSWER_DRAFT_STALE_MS,
      orphanedAtStart: dependencies.orphanedDraftsAtStart === true,
    },
  );
  recovery.start();
  const retention = new ChatRetention(
    { commands, store, logger },
    { retentionDays: config.CHAT_RETENTION_DAYS, intervalMs: config.CHAT_RETENTION_SWEEP_INTERVAL_MS },
  );
  retention.start();
  return {
    name: "session",
    checks: { bus: () => bus.isReady(), actorState: () => actorState.isReady() },
    async stop() {
      await recovery.stop();
      await retention.stop();
      await subscription.close();
    },
  };
}
