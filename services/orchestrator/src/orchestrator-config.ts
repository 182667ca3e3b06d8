import { BaseConfigFields } from "@chat/runtime";
import { type Static, Type } from "@sinclair/typebox";

export const OrchestratorConfigFields = {
  DEMO_TOKENS_PER_SECOND: Type.Number({
    default: 40,
    minimum: 0,
    description: "Demo model speed; 0 = as fast as possible",
  }),
  ORCHESTRATOR_CONCURRENCY: Type.Integer({
    default: 32,
    minimum: 1,
    description: "Generations one instance runs at once",
  }),
  CHUNK_FLUSH_MS: Type.Integer({
    default: 20,
    minimum: 1,
    description: "A chunk leaves this long after its first token",
  }),
  CHUNK_FLUSH_BYTES: Type.Integer({
    default: 512,
    minimum: 1,
    description: "...or as soon as it holds this many bytes",
  }),
};

export const OrchestratorConfig = Type.Object({
  ...BaseConfigFields,
  ...OrchestratorConfigFields,
  PORT: Type.Integer({ default: 3003, minimum: 0, maximum: 65535 }),
});
export type OrchestratorConfig = Static<typeof OrchestratorConfig>;
