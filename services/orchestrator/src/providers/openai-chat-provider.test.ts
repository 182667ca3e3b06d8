import { afterAll, expect, test } from "bun:test";
import type { ContextMessage } from "@chat/contracts";
import type { GenerateRequest, ModelProvider } from "../model-provider.ts";
import { collectStream, providerError } from "./__fixtures__/collect-stream.ts";
import { openAIWireDefaultText, startOpenAIWireServer } from "./__fixtures__/openai-wire-server.ts";
import { pixelPng } from "./__fixtures__/pixel-image.ts";
import { modelProviderContract } from "./model-provider.contract.ts";
import { OpenAIChatProvider } from "./openai-chat-provider.ts";

const server = startOpenAIWireServer();
afterAll(() => server.stop());

const apiKey = "sk-test-openai-key";
const provider = new OpenAIChatProvider({ id: "openai", apiKey, baseURL: server.url });
const question: ContextMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say hello." },
];

const run = (request: Partial<GenerateRequest> = {}, target: ModelProvider = provider) =>
  collectStream(target, {
    model: "gpt-test",
    messages: question,
    maxOutputTokens: 256,
    signal: new AbortController().signal,
    ...request,
  });

modelProviderContract("OpenAIChatProvider", {
  provider,
  model: "gpt-test",
  upstream: {
    server,
    defaultText: openAIWireDefaultText,
    providerAt: (baseURL) => new OpenAIChatProvider({ id: "openai", apiKey, baseURL }),
    startServer: () => startOpenAIWireServer(),
    authErrorBody: (secret) => ({
      error: {
        message: `Incorrect API key provided: ${secret}.`,
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    }),
  },
});

test("the finish carries the usage of the final chunk", async () => {
  server.enqueue({
    kind: "stream",
    text: "Hello there, how are you doing?",
    usage: { promptTokens: 23, completionTokens: 8 },
  });
  const { parts, error } = await run();
  expect(error).toBeUndefined();
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 23, outputTokens: 8 },
  });
});

test("sends the system prompt as a system message, asks for usage, and carries the key", async () => {
  await run({ maxOutputTokens: 100, temperature: 0.3, topP: 0.9 });
  const received = server.requests.at(-1);
  expect(received?.path).toBe("/v1/chat/completions");
  expect(received?.body).toEqual({
    model: "gpt-test",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Say hello." },
    ],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 100,
    temperature: 0.3,
    top_p: 0.9,
  });
  expect(received?.headers.authorization).toBe(`Bearer ${apiKey}`);
});

test("can cap the answer with max_completion_tokens instead", async () => {
  const reasoning = new OpenAIChatProvider({
    id: "openai",
    apiKey,
    baseURL: server.url,
    maxTokensField: "max_completion_tokens",
  });
  await run({ maxOutputTokens: 64 }, reasoning);
  const body = server.requests.at(-1)?.body as Record<string, unknown>;
  expect(body.max_completion_tokens).toBe(64);
  expect("max_tokens" in body).toBe(false);
});

test("does not forward OPENAI_ORG_ID or OPENAI_PROJECT_ID from the environment", async () => {
  const saved = { organization: process.env.OPENAI_ORG_ID, project: process.env.OPENAI_PROJECT_ID };
  process.env.OPENAI_ORG_ID = "org-from-environment";
  process.env.OPENAI_PROJECT_ID = "proj-from-environment";
  try {
    const compatible = new OpenAIChatProvider({ id: "openai-compatible", apiKey, baseURL: server.url });
    await run({}, compatible);
  } finally {
    for (const [name, value] of [
      ["OPENAI_ORG_ID", saved.organization],
      ["OPENAI_PROJECT_ID", saved.project],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const headers = server.requests.at(-1)?.headers ?? {};
  expect(headers["openai-organization"]).toBeUndefined();
  expect(headers["openai-project"]).toBeUndefined();
});

test("works without a key, as Ollama does, sending a placeholder", async () => {
  const ollama = new OpenAIChatProvider({ id: "openai-compatible", baseURL: server.url });
  const { text, error } = await run({}, ollama);
  expect(error).toBeUndefined();
  expect(text).toBe(openAIWireDefaultText);
  expect(server.requests.at(-1)?.headers.authorization).toStartWith("Bearer ");
});

test("usage is null when the server sends no usage chunk", async () => {
  server.enqueue({ kind: "stream", text: "No usage here.", sendUsage: false });
  const { parts, error } = await run();
  expect(error).toBeUndefined();
  expect(parts.at(-1)).toEqual({ type: "finish", finishReason: "stop", usage: null });
});

test("finish_reason length finishes with length; content_filter with stop", async () => {
  server.enqueue({ kind: "stream", text: "Cut short", finishReason: "length" });
  const length = (await run()).parts.at(-1);
  expect(length?.type === "finish" && length.finishReason).toBe("length");
  server.enqueue({ kind: "stream", text: "Filtered", finishReason: "content_filter" });
  const filtered = (await run()).parts.at(-1);
  expect(filtered?.type === "finish" && filtered.finishReason).toBe("stop");
});

test("an error chunk mid-stream is mapped by its code, after the text so far", async () => {
  server.enqueue({ kind: "stream_error_event", afterText: "Partial answer", code: "server_error" });
  const serverError = await run();
  expect(serverError.text).toBe("Partial answer");
  expect(providerError(serverError.error).kind).toBe("server");
  server.enqueue({ kind: "stream_error_event", afterText: "Partial", code: 429 });
  expect(providerError((await run()).error).kind).toBe("rate_limited");
  server.enqueue({ kind: "stream_error_event", afterText: "Partial", code: "rate_limit_exceeded" });
  expect(providerError((await run()).error).kind).toBe("rate_limited");
});

test("a user's images go as image_url parts with data URLs after the text, which the API takes", async () => {
  const compatible = new OpenAIChatProvider({ id: "openai-compatible", baseURL: server.url });
  for (const target of [provider, compatible]) {
    const { error } = await run(
      {
        messages: [
          { role: "system", content: "You see images." },
          { role: "user", content: "What is this?", images: [pixelPng] },
        ],
      },
      target,
    );
    expect(error).toBeUndefined();
    expect(server.requests.at(-1)?.body).toMatchObject({
      messages: [
        { role: "system", content: "You see images." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${pixelPng.data}` } },
          ],
        },
      ],
    });
  }
});

test("an image the API would refuse (not base64) is a bad_request, not retried", async () => {
  const { error } = await run({
    messages: [{ role: "user", content: "What is this?", images: [{ mediaType: "image/png", data: "!!" }] }],
  });
  expect(providerError(error)).toMatchObject({ kind: "bad_request", status: 400, retryable: false });
});
