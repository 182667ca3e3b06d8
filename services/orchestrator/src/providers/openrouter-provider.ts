import { OpenAIChatProvider } from "./openai-chat-provider.ts";

/** Options of {@link openRouterProvider}. */
export type OpenRouterProviderOptions = {
  /** The OpenRouter API key (`OPENROUTER_API_KEY`). */
  apiKey: string;
  /** Defaults to `https://openrouter.ai/api/v1`. */
  baseURL?: string;
  /** Sent as `HTTP-Referer`: the URL that identifies this app in OpenRouter's rankings and analytics. */
  appUrl?: string;
  /** Sent as `X-OpenRouter-Title` and `X-Title`: the app's display name there. */
  appTitle?: string;
};

/**
 * OpenRouter, an OpenAI Chat Completions server, with its app attribution headers. Its
 * `: OPENROUTER PROCESSING` keep-alive comments are SSE comments, which the SDK skips.
 *
 * @example
 * const openRouter = openRouterProvider({ apiKey, appUrl: "https://chat.example.com", appTitle: "Example Chat" });
 */
export function openRouterProvider({
  apiKey,
  baseURL = "https://openrouter.ai/api/v1",
  appUrl,
  appTitle,
}: OpenRouterProviderOptions): OpenAIChatProvider {
  const defaultHeaders: Record<string, string> = {};
  if (appUrl) defaultHeaders["HTTP-Referer"] = appUrl;
  if (appTitle) {
    // OpenRouter documents X-OpenRouter-Title and still honours the older X-Title.
    defaultHeaders["X-OpenRouter-Title"] = appTitle;
    defaultHeaders["X-Title"] = appTitle;
  }
  return new OpenAIChatProvider({ id: "openrouter", apiKey, baseURL, defaultHeaders });
}
