import { connectBus, runServiceMain } from "@chat/runtime";
import { NotifierConfig } from "./src/notifier-config.ts";
import { startNotifier } from "./src/notifier-service.ts";

await runServiceMain({
  name: "notifier",
  configSchema: NotifierConfig,
  async start(config, logger, lifecycle) {
    const bus = await connectBus(config, logger, { standalone: true });
    lifecycle.onStop("bus", () => bus.close());
    return startNotifier({ bus, logger });
  },
});
