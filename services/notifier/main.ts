import { connectBus } from "@chat/bus";
import { requireBrokerSettings, runServiceMain } from "@chat/runtime";
import { NotifierConfig } from "./src/notifier-config.ts";
import { startNotifier } from "./src/notifier-service.ts";

await runServiceMain({
  name: "notifier",
  configSchema: NotifierConfig,
  async start(config, logger, lifecycle) {
    requireBrokerSettings(config, ["AMQP_URL"]);
    const bus = await connectBus(config, logger);
    lifecycle.onStop("bus", () => bus.close());
    return startNotifier({ bus, logger, config });
  },
});
