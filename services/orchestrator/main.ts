import { connectBus } from "@chat/bus";
import { requireBrokerSettings, runServiceMain } from "@chat/runtime";
import { connectActorState } from "@chat/state";
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
    return startOrchestrator({ bus, actorState, logger, config });
  },
});
