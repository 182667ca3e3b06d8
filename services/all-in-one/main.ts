import { runServiceMain } from "@chat/runtime";
import { AllInOneConfig } from "./src/all-in-one-config.ts";
import { startAllInOne } from "./src/start-all-in-one.ts";

await runServiceMain({
  name: "chat",
  tracedAs: "all-in-one",
  configSchema: AllInOneConfig,
  servesHttp: true,
  start: (config, logger, lifecycle) => startAllInOne(config, logger, lifecycle),
});
