import type { ModelSummary } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, apiClient } from "../api-client.ts";

/** The models this deployment can use (`GET /api/models`), loaded once per sign-in. */
export class ModelsController implements ReactiveController {
  models: ModelSummary[] = [];
  defaultModel: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly api: ApiClient = apiClient,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Loads the list unless it is loaded or loading; a failure leaves it empty (no picker). */
  load(): Promise<void> {
    this.loading ??= this.api.listModels().then(
      (list) => {
        this.models = list.models;
        this.defaultModel = list.defaultModel;
        this.host.requestUpdate();
      },
      () => {
        this.loading = undefined;
      },
    );
    return this.loading;
  }

  clear(): void {
    this.models = [];
    this.defaultModel = undefined;
    this.loading = undefined;
  }

  /** The name a person reads for a model id; unknown ids are shown as they are. */
  label(modelId: string): string {
    return this.models.find((model) => model.id === modelId)?.displayName ?? modelId;
  }
}
