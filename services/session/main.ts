import { connectActorState, connectBus, runServiceMain } from "@chat/runtime";
import { SessionConfig } from "./src/session-config.ts";
import { startSessionService } from "./src/session-service.ts";

await runServiceMain({
  name: "session",
  configSchema: SessionConfig,
  async start(config, logger, lifecycle) {
    const bus = await connectBus(config, logger, { standalone: true });
    lifecycle.onStop("bus", () => bus.close());
    const actorState = connectActorState(config, logger, { standalone: true });
    lifecycle.onStop("actor state", () => actorState.close());
    return startSessionService({ bus, actorState, logger, config });
  },
});
