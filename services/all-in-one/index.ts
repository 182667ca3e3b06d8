export { AllInOneConfig } from "./src/all-in-one-config.ts";
export { startAllInOne } from "./src/start-all-in-one.ts";
