import { connectBus } from "@chat/bus";
import { requireBrokerSettings, runServiceMain } from "@chat/runtime";
import { connectActorState } from "@chat/state";
import { SessionConfig } from "./src/session-config.ts";
import { startSession } from "./src/session-service.ts";

await runServiceMain({
  name: "session",
  configSchema: SessionConfig,
  async start(config, logger, lifecycle) {
    requireBrokerSettings(config, ["AMQP_URL", "REDIS_URL"]);
    const bus = await connectBus(config, logger);
    lifecycle.onStop("bus", () => bus.close());
    const actorState = connectActorState(config, logger);
    lifecycle.onStop("actor state", () => actorState.close());
    return startSession({ bus, actorState, logger, config });
  },
});
