import { afterAll, expect, test } from "bun:test";
import type { ModelProvider } from "../model-provider.ts";
import { collectStream, providerError } from "./__fixtures__/collect-stream.ts";
import { openAIWireDefaultText, startOpenAIWireServer } from "./__fixtures__/openai-wire-server.ts";
import { pixelPng } from "./__fixtures__/pixel-image.ts";
import { modelProviderContract } from "./model-provider.contract.ts";
import { openRouterProvider } from "./openrouter-provider.ts";

const server = startOpenAIWireServer({ keepAlive: true });
afterAll(() => server.stop());

const apiKey = "sk-or-v1-test";

const run = (provider: ModelProvider) =>
  collectStream(provider, {
    model: "anthropic/claude-sonnet-4.5",
    messages: [{ role: "user", content: "Say hello." }],
    maxOutputTokens: 128,
    signal: new AbortController().signal,
  });

// Every case again with OpenRouter's keep-alive comments between the chunks.
const provider = openRouterProvider({ apiKey, baseURL: server.url });
modelProviderContract("openRouterProvider", {
  provider,
  model: "anthropic/claude-sonnet-4.5",
  upstream: {
    server,
    defaultText: openAIWireDefaultText,
    providerAt: (baseURL) => openRouterProvider({ apiKey, baseURL }),
    startServer: () => startOpenAIWireServer(),
    authErrorBody: (secret) => ({ error: { message: `No auth credentials found for ${secret}`, code: 401 } }),
  },
});

test("ignores the keep-alive comments and sends the key and the attribution headers", async () => {
  const provider = openRouterProvider({
    apiKey,
    baseURL: server.url,
    appUrl: "https://chat.example.com",
    appTitle: "Example Chat",
  });
  server.enqueue({
    kind: "stream",
    text: "Routed through OpenRouter.",
    chunkDelayMs: 2,
    usage: { promptTokens: 12, completionTokens: 6 },
  });
  const { parts, text, error } = await run(provider);
  expect(provider.id).toBe("openrouter");
  expect(error).toBeUndefined();
  expect(text).toBe("Routed through OpenRouter.");
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 12, outputTokens: 6 },
  });
  const headers = server.requests.at(-1)?.headers ?? {};
  expect(headers.authorization).toBe(`Bearer ${apiKey}`);
  expect(headers["http-referer"]).toBe("https://chat.example.com");
  expect(headers["x-title"]).toBe("Example Chat");
  expect(headers["x-openrouter-title"]).toBe("Example Chat");
});

test("sends no attribution headers when the app is not named", async () => {
  await run(openRouterProvider({ apiKey, baseURL: server.url }));
  const headers = server.requests.at(-1)?.headers ?? {};
  expect(headers["http-referer"]).toBeUndefined();
  expect(headers["x-title"]).toBeUndefined();
});

test("an error chunk after some text, between keep-alives, is mapped by its HTTP code", async () => {
  server.enqueue({ kind: "stream_error_event", afterText: "The upstream model", code: 502 });
  const { text, error } = await run(openRouterProvider({ apiKey, baseURL: server.url }));
  expect(text).toBe("The upstream model");
  expect(providerError(error).kind).toBe("server");
  expect(providerError(error).provider).toBe("openrouter");
  expect(providerError(error).message).toBe("openrouter sent an error in the stream (502)");
});

test("images reach OpenRouter as OpenAI image_url parts with data URLs", async () => {
  const { error } = await collectStream(provider, {
    model: "anthropic/claude-sonnet-4.5",
    messages: [{ role: "user", content: "Describe it.", images: [pixelPng] }],
    maxOutputTokens: 128,
    signal: new AbortController().signal,
  });
  expect(error).toBeUndefined();
  expect(server.requests.at(-1)?.body).toMatchObject({
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Describe it." },
          { type: "image_url", image_url: { url: `data:image/png;base64,${pixelPng.data}` } },
        ],
      },
    ],
  });
});
