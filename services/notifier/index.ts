export { NotifierConfig, NotifierConfigFields } from "./src/notifier-config.ts";
export { startNotifier } from "./src/notifier-service.ts";
