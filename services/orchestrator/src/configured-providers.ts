import type { ProviderEntry } from "./model-entry.ts";
import type { ModelProvider } from "./model-provider.ts";
import type { OrchestratorConfig } from "./orchestrator-config.ts";
import { AnthropicProvider } from "./providers/anthropic-provider.ts";
import { DemoModelProvider } from "./providers/demo-model-provider.ts";
import { DifyProvider } from "./providers/dify-provider.ts";
import { OpenAIChatProvider } from "./providers/openai-chat-provider.ts";
import { openRouterProvider } from "./providers/openrouter-provider.ts";

export type ProviderSettings = Pick<
  OrchestratorConfig,
  | "DEMO_TOKENS_PER_SECOND"
  | "ANTHROPIC_API_KEY"
  | "ANTHROPIC_BASE_URL"
  | "OPENAI_API_KEY"
  | "OPENAI_BASE_URL"
  | "OPENROUTER_API_KEY"
  | "OPENROUTER_BASE_URL"
  | "OPENROUTER_APP_URL"
  | "OPENROUTER_APP_TITLE"
  | "OPENAI_COMPATIBLE_BASE_URL"
  | "OPENAI_COMPATIBLE_API_KEY"
  | "DIFY_API_KEY"
  | "DIFY_BASE_URL"
  | "DIFY_USER"
>;

// A key-less server (a local proxy, Ollama) still needs the SDKs' key argument to be a string.
const noKey = "not-needed";

function provider(
  name: string,
  entry: ProviderEntry,
  apiKey: string | undefined,
  settings: ProviderSettings,
): ModelProvider {
  switch (entry.type) {
    case "anthropic":
      return new AnthropicProvider({ apiKey: apiKey ?? noKey, baseURL: entry.baseURL });
    case "openai":
    case "openai-compatible":
      return new OpenAIChatProvider({ id: name, apiKey, baseURL: entry.baseURL });
    case "openrouter":
      return openRouterProvider({
        apiKey: apiKey ?? noKey,
        baseURL: entry.baseURL ?? settings.OPENROUTER_BASE_URL,
        appUrl: settings.OPENROUTER_APP_URL,
        appTitle: settings.OPENROUTER_APP_TITLE,
      });
    case "dify":
      return new DifyProvider({
        id: name,
        apiKey: apiKey ?? noKey,
        baseURL: entry.baseURL ?? settings.DIFY_BASE_URL,
        user: settings.DIFY_USER,
      });
    case "demo":
      return new DemoModelProvider({ tokensPerSecond: settings.DEMO_TOKENS_PER_SECOND });
  }
}

/**
 * The providers this deployment can reach, by name: the built-in ones whose key or base URL is
 * set (`anthropic`, `openai`, `openrouter`, `openai-compatible`, `dify`), `demo` always, and those the
 * model file declares (their keys read from the environment variable the file names).
 */
export function configuredProviders(
  settings: ProviderSettings,
  declared: Record<string, ProviderEntry>,
  environment: Record<string, string | undefined>,
): Map<string, ModelProvider> {
  const entries: Array<[string, ProviderEntry, string | undefined]> = [["demo", { type: "demo" }, undefined]];
  if (settings.ANTHROPIC_API_KEY || settings.ANTHROPIC_BASE_URL) {
    entries.push([
      "anthropic",
      { type: "anthropic", baseURL: settings.ANTHROPIC_BASE_URL },
      settings.ANTHROPIC_API_KEY,
    ]);
  }
  if (settings.OPENAI_API_KEY || settings.OPENAI_BASE_URL) {
    entries.push(["openai", { type: "openai", baseURL: settings.OPENAI_BASE_URL }, settings.OPENAI_API_KEY]);
  }
  if (settings.OPENROUTER_API_KEY) {
    entries.push(["openrouter", { type: "openrouter" }, settings.OPENROUTER_API_KEY]);
  }
  if (settings.OPENAI_COMPATIBLE_BASE_URL) {
    entries.push([
      "openai-compatible",
      { type: "openai-compatible", baseURL: settings.OPENAI_COMPATIBLE_BASE_URL },
      settings.OPENAI_COMPATIBLE_API_KEY,
    ]);
  }
  if (settings.DIFY_API_KEY) {
    entries.push(["dify", { type: "dify" }, settings.DIFY_API_KEY]);
  }
  for (const [name, entry] of Object.entries(declared)) {
    const apiKey = entry.apiKeyVariable ? environment[entry.apiKeyVariable] || undefined : undefined;
    if (apiKey || entry.baseURL || entry.type === "demo") entries.push([name, entry, apiKey]);
  }
  return new Map(entries.map(([name, entry, apiKey]) => [name, provider(name, entry, apiKey, settings)]));
}
