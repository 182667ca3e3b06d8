import { connectBus } from "@chat/bus";
import { AdminEmails } from "@chat/contracts";
import { requireBrokerSettings, runServiceMain } from "@chat/runtime";
import { openObjectStorage } from "@chat/storage";
import { openRepository } from "./src/open-repository.ts";
import { StoreConfig } from "./src/store-config.ts";
import { startStore } from "./src/store-service.ts";

await runServiceMain({
  name: "store",
  configSchema: StoreConfig,
  async start(config, logger, lifecycle) {
    requireBrokerSettings(config, ["AMQP_URL"]);
    const bus = await connectBus(config, logger);
    lifecycle.onStop("bus", () => bus.close());
    const repository = await openRepository(config);
    lifecycle.onStop("repository", () => repository.close());
    // The gateway's storage, to delete a chat's files with it (S3; local disk on one node only).
    const storage = await openObjectStorage(config);
    return startStore({
      bus,
      repository,
      logger,
      adminEmails: new AdminEmails(config.ADMIN_EMAILS),
      storage,
      sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    });
  },
});
