import { type Bus, ChatCommandClient, StoreClient } from "@chat/bus";
import {
  GenerationCancelSignal,
  GenerationWork,
  generationCancelKey,
  OrchestratorRequest,
  orchestratorReplySchemas,
} from "@chat/contracts";
import { type Logger, newId, type RunningService } from "@chat/runtime";
import { type ActorState, ChatEventPublisher } from "@chat/state";
import type { ObjectStorage } from "@chat/storage";
import { abortableSleep } from "./abortable-sleep.ts";
import { ApiCompletionWorker } from "./api-completion-worker.ts";
import { AttachmentContextResolver } from "./attachments/attachment-context.ts";
import type { FailoverClock } from "./failover-stream.ts";
import { GenerationCancellations } from "./generation-cancellations.ts";
import { measuredWork } from "./generation-work-metrics.ts";
import { GenerationWorker } from "./generation-worker.ts";
import { ModelCaller } from "./model-caller.ts";
import { ModelRegistry } from "./model-registry.ts";
import type { OrchestratorConfig } from "./orchestrator-config.ts";
import { ProviderFailureAlerts } from "./provider-failure-alerts.ts";
import { TitleWriter } from "./title-writer.ts";
import { TokenEstimator } from "./token-estimator.ts";
import { UsageLedger } from "./usage-ledger.ts";

type Settings = Omit<OrchestratorConfig, "PORT" | "LOG_LEVEL" | "AMQP_URL" | "REDIS_URL"> &
  Partial<Pick<OrchestratorConfig, "LOG_LEVEL">>;

const realClock: FailoverClock = { random: Math.random, sleep: abortableSleep };

/**
 * Starts the AI orchestrator: a competing consumer of `ai.generate` (chat answers, titles, API
 * completions) and the answerer of the model list.
 */
export async function startOrchestrator(dependencies: {
  bus: Bus;
  actorState: ActorState;
  logger: Logger;
  config: Settings;
  /** Where the users' uploads are: the gateway's storage. */
  storage: ObjectStorage;
  /** Where model-file providers find their keys; the process environment by default. */
  environment?: Record<string, string | undefined>;
}): Promise<RunningService> {
  const { bus, actorState, logger, config } = dependencies;
  const registry = ModelRegistry.load(config, dependencies.environment ?? process.env);
  if (registry.unusable.length > 0) {
    logger.warn({ models: registry.unusable }, "models left out: their provider is not configured");
  }
  logger.info(
    { models: registry.list().models.map((model) => model.id), defaultModel: registry.defaultModel },
    "models",
  );
  const now = () => new Date();
  const cancellations = new GenerationCancellations();
  // Every instance hears every cancel: the generation may run here, or start here later.
  const cancels = await bus.openEventStream<GenerationCancelSignal>(GenerationCancelSignal, (signal) =>
    cancellations.cancel(signal.assistantMessageId),
  );
  await cancels.bind(generationCancelKey("*"));

  const providerAlerts = new ProviderFailureAlerts(
    bus,
    logger,
    { threshold: config.PROVIDER_ALERT_FAILURES, windowMs: config.PROVIDER_ALERT_WINDOW_MS },
    { now, newId },
  );
  const caller = new ModelCaller({
    registry,
    estimator: new TokenEstimator(),
    policy: {
      maxRetries: config.PROVIDER_MAX_RETRIES,
      retryBaseMs: config.PROVIDER_RETRY_BASE_MS,
      retryMaxDelayMs: config.PROVIDER_RETRY_MAX_DELAY_MS,
      firstTokenTimeoutMs: config.PROVIDER_FIRST_TOKEN_TIMEOUT_MS,
      idleTimeoutMs: config.PROVIDER_IDLE_TIMEOUT_MS,
    },
    clock: realClock,
    deploymentPrompt: config.SYSTEM_PROMPT,
    onProviderFailure: (step) => providerAlerts.observe(step),
  });
  const usage = new UsageLedger(bus, { newId, now });
  const chunking = { flushMs: config.CHUNK_FLUSH_MS, flushBytes: config.CHUNK_FLUSH_BYTES };
  const commands = new ChatCommandClient(bus, { timeoutMs: config.BUS_REQUEST_TIMEOUT_MS, newId, now });
  const store = new StoreClient(bus, { timeoutMs: config.BUS_REQUEST_TIMEOUT_MS, newId, now });
  const attachments = new AttachmentContextResolver({
    store,
    storage: dependencies.storage,
    limits: {
      maxImages: config.CONTEXT_MAX_IMAGES,
      maxChars: config.ATTACHMENT_TEXT_MAX_CHARS,
      maxPdfPages: config.PDF_MAX_PAGES,
    },
    logger,
  });
  const answers = new GenerationWorker(
    {
      commands,
      events: new ChatEventPublisher(bus, actorState.replayLog, { newId, now }),
      store,
      caller,
      attachments,
      usage,
      cancellations,
      logger,
    },
    { ...chunking, checkpointMs: config.ANSWER_CHECKPOINT_MS, now },
  );
  const titles = new TitleWriter({
    commands,
    caller,
    registry,
    usage,
    logger,
    titleModel: config.TITLE_MODEL,
  });
  const completions = new ApiCompletionWorker(
    { bus, caller, attachments, usage, cancellations, logger },
    { ...chunking, newId, now },
  );

  const work = await bus.consumeWork<GenerationWork>(
    "ai.generate",
    { name: "orchestrator", schema: GenerationWork, prefetch: config.ORCHESTRATOR_CONCURRENCY },
    (request, delivery) =>
      measuredWork(request, delivery, now(), () => {
        switch (request.type) {
          case "generation_requested":
            return answers.handle(request, delivery);
          case "title_requested":
            return titles.handle(request);
          case "completion_requested":
            return completions.handle(request, delivery);
        }
      }),
  );
  const requests = await bus.serve(
    { name: "orchestrator", schema: OrchestratorRequest, replySchemas: orchestratorReplySchemas },
    async () => registry.list(),
  );
  return {
    name: "orchestrator",
    checks: { bus: () => bus.isReady(), actorState: () => actorState.isReady() },
    async stop() {
      await work.close();
      await requests.close();
      await cancels.close();
    },
  };
}
