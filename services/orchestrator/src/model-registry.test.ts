import { describe, expect, test } from "bun:test";
import { ConfigError } from "@chat/runtime";
import { ModelRegistry, type RegistrySettings } from "./model-registry.ts";

const base: RegistrySettings = {
  DEMO_TOKENS_PER_SECOND: 0,
  OPENROUTER_BASE_URL: "https://openrouter.ai/api/v1",
  OPENROUTER_APP_TITLE: "Chat",
  DIFY_BASE_URL: "https://api.dify.ai/v1",
  DIFY_USER: "chat-system",
};

const fileReader = (files: Record<string, unknown>) => (path: string) => {
  if (!(path in files)) throw new Error(`ENOENT: ${path}`);
  return typeof files[path] === "string" ? (files[path] as string) : JSON.stringify(files[path]);
};

describe("ModelRegistry", () => {
  test("with no key set only the demo model is usable, and it is the default", () => {
    const registry = ModelRegistry.load(base, {});
    expect(registry.list()).toEqual({
      defaultModel: "demo",
      models: [expect.objectContaining({ id: "demo", displayName: "Demo (offline)", provider: "demo" })],
    });
  });

  test("a key (or only a base URL) enables the provider's built-in models, first one the default", () => {
    const registry = ModelRegistry.load(
      { ...base, OPENAI_BASE_URL: "http://127.0.0.1:9/v1", ANTHROPIC_API_KEY: "sk-ant-test" },
      {},
    );
    const ids = registry.list().models.map((model) => model.id);
    expect(ids).toEqual(["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-4.1", "gpt-4.1-mini", "demo"]);
    expect(registry.defaultModel).toBe("claude-sonnet-4-5");
    expect(registry.failoverChain("claude-sonnet-4-5").map((route) => route.entry.id)).toEqual([
      "claude-sonnet-4-5",
      "claude-haiku-4-5",
    ]);
    expect(registry.route("gpt-4.1")?.provider.id).toBe("openai");
  });

  test("OpenAI-compatible servers list the models named in OPENAI_COMPATIBLE_MODELS", () => {
    const registry = ModelRegistry.load(
      {
        ...base,
        OPENAI_COMPATIBLE_BASE_URL: "http://127.0.0.1:11434/v1",
        OPENAI_COMPATIBLE_MODELS: "llama3.2, qwen2.5",
      },
      {},
    );
    expect(registry.list().models.map((model) => [model.id, model.provider])).toEqual([
      ["local/llama3.2", "openai-compatible"],
      ["local/qwen2.5", "openai-compatible"],
      ["demo", "demo"],
    ]);
  });

  test("DIFY_API_KEY offers the Dify app as the model `dify`; a model file can name more Dify apps", () => {
    const registry = ModelRegistry.load({ ...base, DIFY_API_KEY: "app-key" }, {});
    expect(registry.list().models.map((model) => [model.id, model.provider])).toEqual([
      ["dify", "dify"],
      ["demo", "demo"],
    ]);
    expect(registry.route("dify")?.provider.id).toBe("dify");

    const file = {
      providers: {
        support: { type: "dify", baseURL: "http://dify.internal/v1", apiKeyVariable: "SUPPORT_KEY" },
      },
      models: [
        {
          id: "support-bot",
          provider: "support",
          upstreamModel: "support-app",
          displayName: "Support bot",
          contextWindow: 8_000,
          maxOutputTokens: 1_000,
        },
      ],
    };
    const declared = ModelRegistry.load(
      { ...base, MODELS_FILE: "/models.json" },
      { SUPPORT_KEY: "app-support" },
      fileReader({ "/models.json": file }),
    );
    expect(declared.route("support-bot")?.provider.id).toBe("support");
  });

  test("a model file decides the list, prices and fallbacks; models of unconfigured providers are left out", () => {
    const file = {
      defaultModel: "fast",
      providers: { ollama: { type: "openai-compatible", baseURL: "http://127.0.0.1:11434/v1" } },
      models: [
        {
          id: "smart",
          provider: "anthropic",
          upstreamModel: "claude-opus-4-1",
          displayName: "Smart",
          contextWindow: 200_000,
          maxOutputTokens: 32_000,
          inputPricePerMillion: 15,
          outputPricePerMillion: 75,
          fallbacks: ["fast", "local"],
        },
        {
          id: "fast",
          provider: "openai",
          upstreamModel: "gpt-4.1-mini",
          displayName: "Fast",
          contextWindow: 1_000_000,
          maxOutputTokens: 32_000,
          fallbacks: ["local"],
        },
        {
          id: "local",
          provider: "ollama",
          upstreamModel: "llama3.2",
          displayName: "Local",
          contextWindow: 8_192,
          maxOutputTokens: 2_048,
        },
      ],
    };
    const registry = ModelRegistry.load(
      { ...base, MODELS_FILE: "/models.json", OPENAI_API_KEY: "sk-test" },
      {},
      fileReader({ "/models.json": file }),
    );
    expect(registry.list().models.map((model) => model.id)).toEqual(["fast", "local"]);
    expect(registry.unusable).toEqual(["smart"]);
    expect(registry.defaultModel).toBe("fast");
    expect(registry.list().models[1]).toMatchObject({ inputPricePerMillion: 0, outputPricePerMillion: 0 });
    expect(registry.failoverChain("fast").map((route) => route.entry.id)).toEqual(["fast", "local"]);
    expect(registry.failoverChain("smart")).toEqual([]);
  });

  test("a provider of the file reads its key from the variable it names", () => {
    const file = {
      providers: { work: { type: "openai", apiKeyVariable: "WORK_OPENAI_KEY" } },
      models: [
        {
          id: "w",
          provider: "work",
          upstreamModel: "gpt-4.1",
          displayName: "W",
          contextWindow: 1000,
          maxOutputTokens: 100,
        },
      ],
    };
    const read = fileReader({ "/m.json": file });
    expect(() => ModelRegistry.load({ ...base, MODELS_FILE: "/m.json" }, {}, read)).toThrow(
      "none of its models has a configured provider",
    );
    const registry = ModelRegistry.load(
      { ...base, MODELS_FILE: "/m.json" },
      { WORK_OPENAI_KEY: "sk-work" },
      read,
    );
    expect(registry.route("w")?.provider.id).toBe("work");
  });

  test.each([
    ["not JSON", "{ nope", "cannot read /bad.json as JSON"],
    ["a missing field", { models: [{ id: "x", provider: "demo" }] }, "/models/0"],
    [
      "an unknown provider",
      {
        models: [
          {
            id: "x",
            provider: "nobody",
            upstreamModel: "x",
            displayName: "X",
            contextWindow: 1000,
            maxOutputTokens: 10,
          },
        ],
      },
      'names provider "nobody"',
    ],
    [
      "an unknown fallback",
      {
        models: [
          {
            id: "x",
            provider: "demo",
            upstreamModel: "x",
            displayName: "X",
            contextWindow: 1000,
            maxOutputTokens: 10,
            fallbacks: ["y"],
          },
        ],
      },
      'falls back to unknown model "y"',
    ],
  ])("a model file with %s stops start-up naming MODELS_FILE", (_, content, message) => {
    const load = () =>
      ModelRegistry.load({ ...base, MODELS_FILE: "/bad.json" }, {}, fileReader({ "/bad.json": content }));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow("MODELS_FILE");
    expect(load).toThrow(message);
  });

  test("a DEFAULT_MODEL that is not usable stops start-up naming the variable", () => {
    expect(() => ModelRegistry.load({ ...base, DEFAULT_MODEL: "gpt-4.1" }, {})).toThrow("DEFAULT_MODEL");
  });

  test("each model says whether it sees images: built-in ones by what they are, local and Dify ones by configuration, file models by `vision`", () => {
    const visionOf = (registry: ModelRegistry) =>
      Object.fromEntries(registry.list().models.map((model) => [model.id, model.vision]));
    const builtIn = ModelRegistry.load(
      {
        ...base,
        ANTHROPIC_API_KEY: "sk-ant-test",
        OPENAI_API_KEY: "sk-test",
        OPENROUTER_API_KEY: "sk-or-test",
        OPENAI_COMPATIBLE_BASE_URL: "http://127.0.0.1:11434/v1",
        OPENAI_COMPATIBLE_MODELS: "llama3.2, llava",
        OPENAI_COMPATIBLE_VISION_MODELS: "llava",
        DIFY_API_KEY: "app-key",
        DIFY_VISION: true,
      },
      {},
    );
    expect(visionOf(builtIn)).toEqual({
      "claude-sonnet-4-5": true,
      "claude-haiku-4-5": true,
      "gpt-4.1": true,
      "gpt-4.1-mini": true,
      "openrouter/anthropic/claude-sonnet-4.5": true,
      "openrouter/openai/gpt-4.1-mini": true,
      dify: true,
      "local/llama3.2": false,
      "local/llava": true,
      demo: true,
    });
    const file = {
      models: [
        {
          id: "seeing",
          provider: "demo",
          upstreamModel: "demo",
          displayName: "S",
          contextWindow: 1000,
          maxOutputTokens: 10,
          vision: true,
        },
        {
          id: "blind",
          provider: "demo",
          upstreamModel: "demo",
          displayName: "B",
          contextWindow: 1000,
          maxOutputTokens: 10,
        },
      ],
    };
    const fromFile = ModelRegistry.load(
      { ...base, MODELS_FILE: "models.json" },
      {},
      fileReader({ "models.json": file }),
    );
    expect(visionOf(fromFile)).toEqual({ seeing: true, blind: false });
  });
});
