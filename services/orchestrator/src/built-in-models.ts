import type { ModelEntry } from "./model-entry.ts";

type Pricing = Pick<ModelEntry, "inputPricePerMillion" | "outputPricePerMillion">;

function model(
  id: string,
  provider: string,
  upstreamModel: string,
  displayName: string,
  limits: { contextWindow: number; maxOutputTokens: number },
  pricing: Pricing & { vision: boolean },
  fallbacks: string[] = [],
): ModelEntry {
  return { id, provider, upstreamModel, displayName, ...limits, ...pricing, fallbacks };
}

const claudeLimits = { contextWindow: 200_000, maxOutputTokens: 64_000 };
const gpt41Limits = { contextWindow: 1_047_576, maxOutputTokens: 32_768 };

/**
 * The models offered when no model file is given, per configured provider, with list prices in
 * USD per million tokens. A deployment that needs others (or other prices) writes a model file.
 */
export function builtInModels(providers: {
  anthropic: boolean;
  openai: boolean;
  openrouter: boolean;
  dify: boolean;
  /** The Dify app takes images (DIFY_VISION: its model sees them and file upload is on). */
  difyVision: boolean;
  compatibleModels: string[];
  /** Those of `compatibleModels` that see images (OPENAI_COMPATIBLE_VISION_MODELS). */
  compatibleVisionModels: string[];
}): ModelEntry[] {
  const models: ModelEntry[] = [];
  if (providers.anthropic) {
    models.push(
      model(
        "claude-sonnet-4-5",
        "anthropic",
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        claudeLimits,
        {
          inputPricePerMillion: 3,
          outputPricePerMillion: 15,
          vision: true,
        },
        ["claude-haiku-4-5"],
      ),
      model("claude-haiku-4-5", "anthropic", "claude-haiku-4-5", "Claude Haiku 4.5", claudeLimits, {
        inputPricePerMillion: 1,
        outputPricePerMillion: 5,
        vision: true,
      }),
    );
  }
  if (providers.openai) {
    models.push(
      model(
        "gpt-4.1",
        "openai",
        "gpt-4.1",
        "GPT-4.1",
        gpt41Limits,
        {
          inputPricePerMillion: 2,
          outputPricePerMillion: 8,
          vision: true,
        },
        ["gpt-4.1-mini"],
      ),
      model("gpt-4.1-mini", "openai", "gpt-4.1-mini", "GPT-4.1 mini", gpt41Limits, {
        inputPricePerMillion: 0.4,
        outputPricePerMillion: 1.6,
        vision: true,
      }),
    );
  }
  if (providers.openrouter) {
    models.push(
      model(
        "openrouter/anthropic/claude-sonnet-4.5",
        "openrouter",
        "anthropic/claude-sonnet-4.5",
        "Claude Sonnet 4.5 (OpenRouter)",
        claudeLimits,
        { inputPricePerMillion: 3, outputPricePerMillion: 15, vision: true },
        ["openrouter/openai/gpt-4.1-mini"],
      ),
      model(
        "openrouter/openai/gpt-4.1-mini",
        "openrouter",
        "openai/gpt-4.1-mini",
        "GPT-4.1 mini (OpenRouter)",
        gpt41Limits,
        { inputPricePerMillion: 0.4, outputPricePerMillion: 1.6, vision: true },
      ),
    );
  }
  if (providers.dify) {
    // The app's own model and prompt answer; Dify bills its tokens, so no price here.
    models.push(
      model(
        "dify",
        "dify",
        "dify-app",
        "Dify app",
        { contextWindow: 16_000, maxOutputTokens: 4_096 },
        { inputPricePerMillion: 0, outputPricePerMillion: 0, vision: providers.difyVision },
      ),
    );
  }
  for (const name of providers.compatibleModels) {
    models.push(
      model(
        `local/${name}`,
        "openai-compatible",
        name,
        `${name} (local)`,
        {
          contextWindow: 8_192,
          maxOutputTokens: 2_048,
        },
        {
          inputPricePerMillion: 0,
          outputPricePerMillion: 0,
          vision: providers.compatibleVisionModels.includes(name),
        },
      ),
    );
  }
  return models;
}
