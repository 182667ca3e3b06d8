import { readFileSync } from "node:fs";
import type { ModelList, ModelSummary } from "@chat/contracts";
import { ConfigError } from "@chat/runtime";
import { Value } from "@sinclair/typebox/value";
import { builtInModels } from "./built-in-models.ts";
import { configuredProviders, type ProviderSettings } from "./configured-providers.ts";
import { type ModelEntry, ModelsFile } from "./model-entry.ts";
import type { ModelProvider } from "./model-provider.ts";
import { demoModel } from "./providers/demo-model-provider.ts";

/** A usable model with the provider that serves it. */
export type ModelRoute = { entry: ModelEntry; provider: ModelProvider };

export type RegistrySettings = ProviderSettings & {
  MODELS_FILE?: string;
  DEFAULT_MODEL?: string;
  OPENAI_COMPATIBLE_MODELS?: string;
  OPENAI_COMPATIBLE_VISION_MODELS?: string;
  DIFY_VISION?: boolean;
};

function readModelsFile(path: string, readText: (path: string) => string): ModelsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(path));
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration — MODELS_FILE: cannot read ${path} as JSON (${(error as Error).message})`,
    );
  }
  const withDefaults = Value.Default(ModelsFile, parsed);
  const problems = [...Value.Errors(ModelsFile, withDefaults)].slice(0, 5);
  if (problems.length > 0) {
    const listed = problems.map((problem) => `${problem.path || "/"} ${problem.message}`).join("; ");
    throw new ConfigError(`Invalid configuration — MODELS_FILE: ${path}: ${listed}`);
  }
  return withDefaults as ModelsFile;
}

function checkReferences(models: ModelEntry[], knownProviders: Set<string>): void {
  const ids = new Set<string>();
  for (const model of models) {
    if (ids.has(model.id))
      throw new ConfigError(`Invalid configuration — MODELS_FILE: model "${model.id}" is listed twice`);
    ids.add(model.id);
    if (!knownProviders.has(model.provider)) {
      throw new ConfigError(
        `Invalid configuration — MODELS_FILE: model "${model.id}" names provider "${model.provider}", which is neither built in nor declared under "providers"`,
      );
    }
  }
  for (const model of models) {
    const unknown = model.fallbacks.find((fallback) => !ids.has(fallback));
    if (unknown) {
      throw new ConfigError(
        `Invalid configuration — MODELS_FILE: model "${model.id}" falls back to unknown model "${unknown}"`,
      );
    }
  }
}

function namesIn(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

const builtInProviderKinds = ["anthropic", "openai", "openrouter", "openai-compatible", "dify", "demo"];

/**
 * The models this deployment offers: the model file's, or built-in ones for the providers whose
 * keys are set, plus the demo model. A model whose provider is not configured is not usable and
 * not listed.
 *
 * @example
 * const registry = ModelRegistry.load(config, process.env);
 * const chain = registry.failoverChain("claude-sonnet-4-5"); // the model, then its fallbacks
 */
export class ModelRegistry {
  private constructor(
    private readonly routes: Map<string, ModelRoute>,
    readonly defaultModel: string,
    /** Models of the file left out because their provider is not configured. */
    readonly unusable: string[],
  ) {}

  static load(
    settings: RegistrySettings,
    environment: Record<string, string | undefined>,
    readText: (path: string) => string = (path) => readFileSync(path, "utf8"),
  ): ModelRegistry {
    const file = settings.MODELS_FILE ? readModelsFile(settings.MODELS_FILE, readText) : null;
    const declared = file?.providers ?? {};
    const providers = configuredProviders(settings, declared, environment);
    const models = file?.models ?? [
      ...builtInModels({
        anthropic: providers.has("anthropic"),
        openai: providers.has("openai"),
        openrouter: providers.has("openrouter"),
        dify: providers.has("dify"),
        difyVision: settings.DIFY_VISION === true,
        compatibleModels: providers.has("openai-compatible")
          ? namesIn(settings.OPENAI_COMPATIBLE_MODELS)
          : [],
        compatibleVisionModels: namesIn(settings.OPENAI_COMPATIBLE_VISION_MODELS),
      }),
      demoModel,
    ];
    checkReferences(models, new Set([...builtInProviderKinds, ...Object.keys(declared)]));

    const routes = new Map<string, ModelRoute>();
    const unusable: string[] = [];
    for (const entry of models) {
      const provider = providers.get(entry.provider);
      if (provider) routes.set(entry.id, { entry, provider });
      else unusable.push(entry.id);
    }
    const wanted = settings.DEFAULT_MODEL ?? file?.defaultModel;
    if (wanted && !routes.has(wanted)) {
      const variable = settings.DEFAULT_MODEL ? "DEFAULT_MODEL" : "MODELS_FILE";
      throw new ConfigError(
        `Invalid configuration — ${variable}: default model "${wanted}" is not a usable model`,
      );
    }
    const firstUsable = [...routes.keys()][0];
    if (!firstUsable)
      throw new ConfigError(
        "Invalid configuration — MODELS_FILE: none of its models has a configured provider",
      );
    return new ModelRegistry(routes, wanted ?? firstUsable, unusable);
  }

  route(modelId: string): ModelRoute | undefined {
    return this.routes.get(modelId);
  }

  /** The model, then its usable fallbacks in order, each once. */
  failoverChain(modelId: string): ModelRoute[] {
    const first = this.routes.get(modelId);
    if (!first) return [];
    const chain = [first];
    for (const fallback of first.entry.fallbacks) {
      const route = this.routes.get(fallback);
      if (route && !chain.includes(route)) chain.push(route);
    }
    return chain;
  }

  list(): ModelList {
    const models: ModelSummary[] = [...this.routes.values()].map(({ entry }) => ({
      id: entry.id,
      displayName: entry.displayName,
      provider: entry.provider,
      contextWindow: entry.contextWindow,
      maxOutputTokens: entry.maxOutputTokens,
      inputPricePerMillion: entry.inputPricePerMillion,
      outputPricePerMillion: entry.outputPricePerMillion,
      vision: entry.vision,
    }));
    return { models, defaultModel: this.defaultModel };
  }
}
