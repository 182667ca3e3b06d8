import type { Bus } from "@chat/bus";
import { ChatEventPublisher } from "@chat/clients";
import { GenerationCancelSignal, GenerationRequest, generationCancelKey } from "@chat/contracts";
import { type Logger, newId, type RunningService } from "@chat/runtime";
import type { ActorState } from "@chat/state";
import { DemoModelProvider, demoModel } from "./demo-model-provider.ts";
import { GenerationCancellations } from "./generation-cancellations.ts";
import { GenerationWorker, type ModelRoute } from "./generation-worker.ts";
import type { OrchestratorConfig } from "./orchestrator-config.ts";

type Settings = Pick<
  OrchestratorConfig,
  "DEMO_TOKENS_PER_SECOND" | "ORCHESTRATOR_CONCURRENCY" | "CHUNK_FLUSH_MS" | "CHUNK_FLUSH_BYTES"
>;

/** The models this instance can serve, by the id chats use. */
export function modelRoutes(config: Settings): Map<string, ModelRoute> {
  const demo = new DemoModelProvider({ tokensPerSecond: config.DEMO_TOKENS_PER_SECOND });
  return new Map([[demoModel.id, { info: demoModel, provider: demo, upstreamModel: demoModel.id }]]);
}

/** Starts the AI orchestrator: competing consumer of `ai.generate`, streaming into chat events. */
export async function startOrchestrator(dependencies: {
  bus: Bus;
  actorState: ActorState;
  logger: Logger;
  config: Settings;
}): Promise<RunningService> {
  const { bus, actorState, logger, config } = dependencies;
  const now = () => new Date();
  const cancellations = new GenerationCancellations();
  // Every instance hears every cancel: the generation may run here, or start here later.
  const cancels = await bus.openEventStream<GenerationCancelSignal>(GenerationCancelSignal, (signal) =>
    cancellations.cancel(signal.assistantMessageId),
  );
  await cancels.bind(generationCancelKey("*"));
  const worker = new GenerationWorker(
    {
      bus,
      events: new ChatEventPublisher(bus, actorState.replayLog, { newId, now }),
      models: modelRoutes(config),
      cancellations,
      logger,
    },
    { flushMs: config.CHUNK_FLUSH_MS, flushBytes: config.CHUNK_FLUSH_BYTES, now, newId },
  );
  const subscription = await bus.consumeWork<GenerationRequest>(
    "ai.generate",
    { name: "orchestrator", schema: GenerationRequest, prefetch: config.ORCHESTRATOR_CONCURRENCY },
    (request, delivery) => worker.handle(request, delivery),
  );
  return {
    name: "orchestrator",
    checks: { bus: () => bus.isReady(), actorState: () => actorState.isReady() },
    async stop() {
      await subscription.close();
      await cancels.close();
    },
  };
}
