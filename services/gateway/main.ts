import { connectBus } from "@chat/bus";
import { requireBrokerSettings, requireSetting, runServiceMain } from "@chat/runtime";
import { connectActorState } from "@chat/state";
import { GatewayConfig } from "./src/gateway-config.ts";
import { startGateway } from "./src/gateway-service.ts";

await runServiceMain({
  name: "gateway",
  configSchema: GatewayConfig,
  servesHttp: true,
  async start(config, logger, lifecycle) {
    const jwtSecret = requireSetting(
      config.JWT_SECRET,
      "JWT_SECRET",
      "every gateway instance needs the same secret",
    );
    requireBrokerSettings(config, ["AMQP_URL", "REDIS_URL"]);
    const bus = await connectBus(config, logger);
    lifecycle.onStop("bus", () => bus.close());
    const actorState = connectActorState(config, logger);
    lifecycle.onStop("actor state", () => actorState.close());
    return startGateway({
      bus,
      actorState,
      logger,
      settings: { ...config, JWT_SECRET: jwtSecret },
      port: config.PORT,
      readiness: { bus: () => bus.isReady(), actorState: () => actorState.isReady() },
    });
  },
});
