import { connectActorState, connectBus, runServiceMain } from "@chat/runtime";
import { OrchestratorConfig } from "./src/orchestrator-config.ts";
import { startOrchestrator } from "./src/orchestrator-service.ts";

await runServiceMain({
  name: "orchestrator",
  configSchema: OrchestratorConfig,
  async start(config, logger, lifecycle) {
    const bus = await connectBus(config, logger, { standalone: true });
    lifecycle.onStop("bus", () => bus.close());
    const actorState = connectActorState(config, logger, { standalone: true });
    lifecycle.onStop("actor state", () => actorState.close());
    return startOrchestrator({ bus, actorState, logger, config });
  },
});
