export { OrchestratorConfig, OrchestratorConfigFields } from "./src/orchestrator-config.ts";
export { startOrchestrator } from "./src/orchestrator-service.ts";
export { demoModel } from "./src/providers/demo-model-provider.ts";
