import { afterAll, expect, test } from "bun:test";
import type { ContextMessage } from "@chat/contracts";
import type { GenerateRequest, StreamPart } from "../model-provider.ts";
import { anthropicWireDefaultText, startAnthropicWireServer } from "./__fixtures__/anthropic-wire-server.ts";
import { AnthropicProvider, toAnthropicPrompt } from "./anthropic-provider.ts";
import { ProviderError } from "./provider-error.ts";

const server = startAnthropicWireServer();
afterAll(() => server.stop());

const apiKey = "sk-ant-test-key";
const provider = new AnthropicProvider({ apiKey, baseURL: server.url });
const question: ContextMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say hello." },
];

type Outcome = { parts: StreamPart[]; text: string; error: unknown };

async function run(request: Partial<GenerateRequest> = {}, target = provider): Promise<Outcome> {
  const parts: StreamPart[] = [];
  let error: unknown;
  try {
    for await (const part of target.stream({
      model: "claude-test",
      messages: question,
      maxOutputTokens: 256,
      signal: new AbortController().signal,
      ...request,
    })) {
      parts.push(part);
    }
  } catch (caught) {
    error = caught;
  }
  const text = parts.flatMap((part) => (part.type === "text-delta" ? [part.text] : [])).join("");
  return { parts, text, error };
}

function providerError(error: unknown): ProviderError {
  if (!ProviderError.isInstance(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

test("streams the text in pieces, then one finish with the usage Anthropic reported", async () => {
  server.enqueue({
    kind: "stream",
    text: "Hello there, how are you doing?",
    usage: { inputTokens: 21, outputTokens: 9 },
  });
  const { parts, text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe("Hello there, how are you doing?");
  expect(parts.length).toBeGreaterThan(3);
  expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 21, outputTokens: 9 },
  });
});

test("answers with the default text when nothing is queued", async () => {
  const { text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe(anthropicWireDefaultText);
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

test("429 is rate_limited with retry-after in seconds", async () => {
  server.enqueue({ kind: "http_error", status: 429, retryAfter: "7" });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("rate_limited");
  expect(error.retryable).toBe(true);
  expect(error.status).toBe(429);
  expect(error.retryAfterMs).toBe(7000);
});

test("retry-after as an HTTP date and retry-after-ms are read too", async () => {
  server.enqueue({
    kind: "http_error",
    status: 429,
    retryAfter: new Date(Date.now() + 60_000).toUTCString(),
  });
  const fromDate = providerError((await run()).error).retryAfterMs ?? 0;
  expect(fromDate).toBeGreaterThan(50_000);
  expect(fromDate).toBeLessThanOrEqual(60_000);
  server.enqueue({ kind: "http_error", status: 429, retryAfter: "30", retryAfterMs: "1500" });
  expect(providerError((await run()).error).retryAfterMs).toBe(1500);
});

test("500 is a retryable server error, and the SDK itself does not retry", async () => {
  const before = server.requests.length;
  server.enqueue({ kind: "http_error", status: 500 });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("server");
  expect(error.retryable).toBe(true);
  expect(error.message).toBe("Anthropic answered 500 (api_error)");
  expect(server.requests.length - before).toBe(1);
});

test("529 is overloaded", async () => {
  server.enqueue({ kind: "http_error", status: 529 });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("overloaded");
  expect(error.status).toBe(529);
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

test("a connection reset mid-stream is a connection error, after some text deltas", async () => {
  server.enqueue({ kind: "drop", afterText: "This answer will be cut off", chunkDelayMs: 5 });
  const { parts, text, error } = await run();
  expect(parts.length).toBeGreaterThan(0);
  expect(parts.every((part) => part.type === "text-delta")).toBe(true);
  expect("This answer will be cut off".startsWith(text)).toBe(true);
  expect(providerError(error).kind).toBe("connection");
});

test("a stream that ends cleanly without message_stop is a connection error", async () => {
  server.enqueue({ kind: "truncate", afterText: "Ends early" });
  const { text, error } = await run();
  expect(text).toBe("Ends early");
  expect(providerError(error).kind).toBe("connection");
});

test("a server that does not answer is a connection error", async () => {
  const gone = startAnthropicWireServer();
  await gone.stop();
  const { error } = await run({}, new AnthropicProvider({ apiKey, baseURL: gone.url }));
  expect(providerError(error).kind).toBe("connection");
});

test("an event that is not JSON is malformed", async () => {
  server.enqueue({ kind: "malformed", afterText: "Before", payload: "not-json" });
  const { text, error } = await run();
  expect(text).toBe("Before");
  expect(providerError(error).kind).toBe("malformed");
});

test("an event of an unexpected shape is malformed", async () => {
  server.enqueue({ kind: "malformed", afterText: "Before", payload: "wrong-shape" });
  expect(providerError((await run()).error).kind).toBe("malformed");
});

test("a slow first token is waited for", async () => {
  server.enqueue({ kind: "stream", text: "Worth the wait.", firstTokenDelayMs: 300 });
  const { parts, text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe("Worth the wait.");
  expect(parts.at(-1)?.type).toBe("finish");
});

test("aborting the signal throws its reason and closes the upstream request", async () => {
  const abortsBefore = server.abortedRequests;
  server.enqueue({
    kind: "stream",
    text: "A long answer that keeps going for a while yet.",
    chunkDelayMs: 20,
  });
  const controller = new AbortController();
  const reason = new Error("the user pressed stop");
  const parts: StreamPart[] = [];
  let thrown: unknown;
  try {
    for await (const part of provider.stream({
      model: "claude-test",
      messages: question,
      maxOutputTokens: 256,
      signal: controller.signal,
    })) {
      parts.push(part);
      controller.abort(reason);
    }
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBe(reason);
  expect(parts).toHaveLength(1);
  await server.waitForAborts(abortsBefore + 1);
  expect(server.abortedRequests).toBe(abortsBefore + 1);
});

test("an already aborted signal throws its reason without a request", async () => {
  const before = server.requests.length;
  const controller = new AbortController();
  const reason = new Error("cancelled before start");
  controller.abort(reason);
  expect((await run({ signal: controller.signal })).error).toBe(reason);
  expect(server.requests.length).toBe(before);
});

test("a 401 is auth, and the error message never repeats the provider's text", async () => {
  const secret = "sk-test-SECRETSECRET";
  server.enqueue({
    kind: "http_error",
    status: 401,
    body: { type: "error", error: { type: "authentication_error", message: `invalid x-api-key: ${secret}` } },
  });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("auth");
  expect(error.retryable).toBe(false);
  expect(error.message).not.toContain(secret);
  expect(String(error)).not.toContain(secret);
});

test.each([
  [400, "bad_request"],
  [403, "auth"],
  [404, "bad_request"],
  [413, "bad_request"],
  [422, "bad_request"],
  [503, "server"],
] as const)("status %d is %s", async (status, kind) => {
  server.enqueue({ kind: "http_error", status });
  const error = providerError((await run()).error);
  expect(error.kind).toBe(kind);
  expect(error.status).toBe(status);
});
