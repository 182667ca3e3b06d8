import { afterAll, expect, test } from "bun:test";
import type { ContextMessage } from "@chat/contracts";
import type { GenerateRequest } from "../model-provider.ts";
import { anthropicWireDefaultText, startAnthropicWireServer } from "./__fixtures__/anthropic-wire-server.ts";
import { collectStream, providerError } from "./__fixtures__/collect-stream.ts";
import { pixelPng } from "./__fixtures__/pixel-image.ts";
import { AnthropicProvider, toAnthropicPrompt } from "./anthropic-provider.ts";
import { modelProviderContract } from "./model-provider.contract.ts";

const server = startAnthropicWireServer();
afterAll(() => server.stop());

const apiKey = "sk-ant-test-key";
const provider = new AnthropicProvider({ apiKey, baseURL: server.url });
const question: ContextMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say hello." },
];

const run = (request: Partial<GenerateRequest> = {}) =>
  collectStream(provider, {
    model: "claude-test",
    messages: question,
    maxOutputTokens: 256,
    signal: new AbortController().signal,
    ...request,
  });

modelProviderContract("AnthropicProvider", {
  provider,
  model: "claude-test",
  upstream: {
    server,
    defaultText: anthropicWireDefaultText,
    providerAt: (baseURL) => new AnthropicProvider({ apiKey, baseURL }),
    startServer: () => startAnthropicWireServer(),
    authErrorBody: (secret) => ({
      type: "error",
      error: { type: "authentication_error", message: `invalid x-api-key: ${secret}` },
    }),
  },
});

test("the finish carries the usage Anthropic reported", async () => {
  server.enqueue({
    kind: "stream",
    text: "Hello there, how are you doing?",
    usage: { inputTokens: 21, outputTokens: 9 },
  });
  const { parts, error } = await run();
  expect(error).toBeUndefined();
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 21, outputTokens: 9 },
  });
});

test("sends the system prompt as `system`, alternating turns, the limits and the key", async () => {
  await run({
    messages: [
      { role: "system", content: "Be brief." },
      { role: "assistant", content: "Left over from a trimmed exchange." },
      { role: "user", content: "First part." },
      { role: "user", content: "Second part." },
      { role: "assistant", content: "   " },
      { role: "user", content: "Third part." },
    ],
    maxOutputTokens: 100,
    temperature: 0.3,
    topP: 0.9,
  });
  const received = server.requests.at(-1);
  expect(received?.path).toBe("/v1/messages");
  expect(received?.body).toEqual({
    model: "claude-test",
    max_tokens: 100,
    system: "Be brief.",
    messages: [{ role: "user", content: "First part.\n\nSecond part.\n\nThird part." }],
    temperature: 0.3,
    top_p: 0.9,
    stream: true,
  });
  // SDK 1.14 sends the key as a bearer token, not as `x-api-key`.
  expect(received?.headers.authorization).toBe(`Bearer ${apiKey}`);
  expect(received?.headers["anthropic-version"]).toBeString();
});

test("a temperature above Anthropic's 1 is sent as 1; one within the range as it is", async () => {
  await run({ temperature: 1.6 });
  expect(server.requests.at(-1)?.body).toMatchObject({ temperature: 1 });
  await run({ temperature: 0 });
  expect(server.requests.at(-1)?.body).toMatchObject({ temperature: 0 });
  await run({});
  expect(server.requests.at(-1)?.body).not.toHaveProperty("temperature");
});

test("toAnthropicPrompt joins system messages and keeps user and assistant turns alternating", () => {
  expect(
    toAnthropicPrompt([
      { role: "system", content: "One." },
      { role: "system", content: "Two." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
      { role: "assistant", content: "again" },
      { role: "user", content: "Bye" },
    ]),
  ).toEqual({
    system: "One.\n\nTwo.",
    messages: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello\n\nagain" },
      { role: "user", content: "Bye" },
    ],
  });
  expect(toAnthropicPrompt([{ role: "user", content: "Hi" }]).system).toBeUndefined();
});

test("a conversation without a user turn fails as bad_request without calling Anthropic", async () => {
  const before = server.requests.length;
  const { error } = await run({ messages: [{ role: "system", content: "Only a system prompt." }] });
  expect(providerError(error).kind).toBe("bad_request");
  expect(server.requests.length).toBe(before);
});

test("cache reads and writes count as input tokens", async () => {
  server.enqueue({
    kind: "stream",
    text: "Cached.",
    usage: { inputTokens: 10, cacheReadInputTokens: 200, cacheCreationInputTokens: 30, outputTokens: 5 },
  });
  const { parts } = await run();
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 240, outputTokens: 5 },
  });
});

test("stop_reason max_tokens finishes with length", async () => {
  server.enqueue({ kind: "stream", text: "Cut short", stopReason: "max_tokens" });
  const { parts } = await run();
  const finish = parts.at(-1);
  expect(finish?.type === "finish" && finish.finishReason).toBe("length");
});

test("a 500's message names Anthropic, the status and the error type, not Anthropic's text", async () => {
  server.enqueue({ kind: "http_error", status: 500 });
  expect(providerError((await run()).error).message).toBe("Anthropic answered 500 (api_error)");
});

test("an overloaded_error event mid-stream is overloaded, after the text so far", async () => {
  server.enqueue({ kind: "stream_error_event", afterText: "Partial answer", errorType: "overloaded_error" });
  const { text, error } = await run();
  expect(text).toBe("Partial answer");
  expect(providerError(error).kind).toBe("overloaded");
});

test("an api_error event mid-stream is a server error", async () => {
  server.enqueue({ kind: "stream_error_event", afterText: "Partial", errorType: "api_error" });
  expect(providerError((await run()).error).kind).toBe("server");
});

test("images go as base64 image blocks before the text, and the Messages API takes them", async () => {
  server.enqueue({ kind: "stream", text: "A single blue pixel." });
  const { parts, error } = await run({
    messages: [
      { role: "user", content: "Earlier question" },
      { role: "assistant", content: "Earlier answer" },
      { role: "user", content: "What is this?", images: [pixelPng, { ...pixelPng, mediaType: "image/png" }] },
    ],
  });
  expect(error).toBeUndefined();
  expect(parts[0]).toEqual({ type: "text-delta", text: expect.any(String) });
  const block = { type: "image", source: { type: "base64", media_type: "image/png", data: pixelPng.data } };
  expect(server.requests.at(-1)?.body).toMatchObject({
    messages: [
      { role: "user", content: "Earlier question" },
      { role: "assistant", content: "Earlier answer" },
      { role: "user", content: [block, block, { type: "text", text: "What is this?" }] },
    ],
  });
});

test("an image the API would refuse (not base64) is a bad_request, not retried", async () => {
  const { error } = await run({
    messages: [{ role: "user", content: "What is this?", images: [{ mediaType: "image/png", data: "!!" }] }],
  });
  expect(providerError(error)).toMatchObject({ kind: "bad_request", status: 400, retryable: false });
});
