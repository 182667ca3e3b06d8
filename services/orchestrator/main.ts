import { connectBus } from "@chat/bus";
import { requireBrokerSettings, runServiceMain } from "@chat/runtime";
import { connectActorState } from "@chat/state";
import { openObjectStorage } from "@chat/storage";
import { OrchestratorConfig } from "./src/orchestrator-config.ts";
import { startOrchestrator } from "./src/orchestrator-service.ts";

await runServiceMain({
  name: "orchestrator",
  configSchema: OrchestratorConfig,
  async start(config, logger, lifecycle) {
    requireBrokerSettings(config, ["AMQP_URL", "REDIS_URL"]);
    const bus = await connectBus(config, logger);
    lifecycle.onStop("bus", () => bus.close());
    const actorState = connectActorState(config, logger);
    lifecycle.onStop("actor state", () => actorState.close());
    // The gateway's storage, to read the files of a conversation (S3; local disk on one node only).
    const storage = await openObjectStorage(config);
    return startOrchestrator({ bus, actorState, logger, config, storage });
  },
});
