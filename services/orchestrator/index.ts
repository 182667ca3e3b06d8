export { DemoModelProvider, demoModel } from "./src/demo-model-provider.ts";
export { OrchestratorConfig, OrchestratorConfigFields } from "./src/orchestrator-config.ts";
export { startOrchestrator } from "./src/orchestrator-service.ts";
