import { type Bus, OrchestratorClient } from "@chat/bus";
import { AppError, type ModelList, type ModelSummary } from "@chat/contracts";

/**
 * The models the orchestrators can serve, asked over the bus and kept for `cacheMs`, so a chat
 * request costs no extra round trip. The orchestrators own the model file and the provider keys.
 *
 * @example
 * const model = await catalog.resolve(body.model, traceparent); // throws MODEL_NOT_AVAILABLE
 */
export class ModelCatalog {
  private cached: { list: ModelList; until: number } | null = null;
  private pending: Promise<ModelList> | null = null;
  private readonly orchestrator: OrchestratorClient;

  constructor(
    bus: Bus,
    private readonly options: { timeoutMs: number; cacheMs: number; newId: () => string },
  ) {
    this.orchestrator = new OrchestratorClient(bus, options);
  }

  async list(traceparent: string): Promise<ModelList> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.list;
    this.pending ??= this.fetch(traceparent).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** The model with this id, or the default when none is given. */
  async resolve(modelId: string | undefined, traceparent: string): Promise<ModelSummary> {
    const { models, defaultModel } = await this.list(traceparent);
    const wanted = modelId ?? defaultModel;
    const model = models.find((candidate) => candidate.id === wanted);
    if (!model) {
      throw new AppError("MODEL_NOT_AVAILABLE", `Model "${wanted}" is not available; see GET /api/models`, {
        retryable: false,
      });
    }
    return model;
  }

  private async fetch(traceparent: string): Promise<ModelList> {
    const list = await this.orchestrator.listModels(traceparent);
    this.cached = { list, until: Date.now() + this.options.cacheMs };
    return list;
  }
}
