export { OrchestratorConfig, OrchestratorConfigFields } from "./src/orchestrator-config.ts";
export { startOrchestrator } from "./src/orchestrator-service.ts";
export { DemoModelProvider, demoModel } from "./src/providers/demo-model-provider.ts";
