import { type ModelList, newEnvelope, orchestratorReplySchemas } from "@chat/contracts";
import type { Bus } from "../bus.ts";

/**
 * Typed requests to the orchestrators over the bus: builds each envelope and checks each reply
 * against its schema in `orchestratorReplySchemas`.
 *
 * @example
 * const { models, defaultModel } = await orchestrator.listModels(traceparent);
 */
export class OrchestratorClient {
  constructor(
    private readonly bus: Bus,
    private readonly options: { timeoutMs: number; newId: () => string; now?: () => Date },
  ) {}

  /** The models the deployment serves, from the orchestrators' model file. */
  listModels(traceparent: string): Promise<ModelList> {
    const type = "orchestrator.list_models";
    const request = newEnvelope(type, "", {
      id: this.options.newId(),
      traceparent,
      now: this.options.now?.() ?? new Date(),
    });
    return this.bus.request("orchestrator", request, {
      replySchema: orchestratorReplySchemas[type],
      timeoutMs: this.options.timeoutMs,
    });
  }
}
