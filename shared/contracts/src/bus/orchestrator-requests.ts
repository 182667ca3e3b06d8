import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { ModelList } from "../http.ts";
import { busMessage } from "./envelope.ts";

// Requests to the orchestrators (request/reply).
export const OrchestratorRequest = Type.Union([busMessage("orchestrator.list_models", {})]);
export type OrchestratorRequest = Static<typeof OrchestratorRequest>;

/** The reply schema of each orchestrator request, by its `type`. */
export const orchestratorReplySchemas = {
  /** The models the deployment serves, from its model file. */
  "orchestrator.list_models": ModelList,
} satisfies Record<OrchestratorRequest["type"], TSchema>;
