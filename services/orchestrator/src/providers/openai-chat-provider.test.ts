import { afterAll, expect, test } from "bun:test";
import type { ContextMessage } from "@chat/contracts";
import type { GenerateRequest, StreamPart } from "../model-provider.ts";
import { openAIWireDefaultText, startOpenAIWireServer } from "./__fixtures__/openai-wire-server.ts";
import { OpenAIChatProvider } from "./openai-chat-provider.ts";
import { ProviderError } from "./provider-error.ts";

const server = startOpenAIWireServer();
afterAll(() => server.stop());

const apiKey = "sk-test-openai-key";
const provider = new OpenAIChatProvider({ id: "openai", apiKey, baseURL: server.url });
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
      model: "gpt-test",
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

test("streams the text in pieces, then one finish with the usage of the final chunk", async () => {
  server.enqueue({
    kind: "stream",
    text: "Hello there, how are you doing?",
    usage: { promptTokens: 23, completionTokens: 8 },
  });
  const { parts, text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe("Hello there, how are you doing?");
  expect(parts.length).toBeGreaterThan(3);
  expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 23, outputTokens: 8 },
  });
});

test("answers with the default text when nothing is queued", async () => {
  const { text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe(openAIWireDefaultText);
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

test("429 is rate_limited with retry-after in seconds, or retry-after-ms", async () => {
  server.enqueue({ kind: "http_error", status: 429, retryAfter: "4" });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("rate_limited");
  expect(error.retryable).toBe(true);
  expect(error.status).toBe(429);
  expect(error.retryAfterMs).toBe(4000);
  server.enqueue({ kind: "http_error", status: 429, retryAfterMs: "250" });
  expect(providerError((await run()).error).retryAfterMs).toBe(250);
});

test("500 is a retryable server error, and the SDK itself does not retry", async () => {
  const before = server.requests.length;
  server.enqueue({ kind: "http_error", status: 500 });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("server");
  expect(error.retryable).toBe(true);
  expect(server.requests.length - before).toBe(1);
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

test("a connection reset mid-stream is a connection error, after some text deltas", async () => {
  server.enqueue({ kind: "drop", afterText: "This answer will be cut off", chunkDelayMs: 5 });
  const { parts, text, error } = await run();
  expect(parts.length).toBeGreaterThan(0);
  expect(parts.every((part) => part.type === "text-delta")).toBe(true);
  expect("This answer will be cut off".startsWith(text)).toBe(true);
  expect(providerError(error).kind).toBe("connection");
});

test("a stream that ends without any finish_reason is a connection error", async () => {
  server.enqueue({ kind: "truncate", afterText: "Ends early" });
  const { text, error } = await run();
  expect(text).toBe("Ends early");
  expect(providerError(error).kind).toBe("connection");
});

test("a server that does not answer is a connection error", async () => {
  const gone = startOpenAIWireServer();
  await gone.stop();
  const { error } = await run({}, new OpenAIChatProvider({ id: "openai", apiKey, baseURL: gone.url }));
  expect(providerError(error).kind).toBe("connection");
});

test("a chunk that is not JSON is malformed", async () => {
  server.enqueue({ kind: "malformed", afterText: "Before", payload: "not-json" });
  const { text, error } = await run();
  expect(text).toBe("Before");
  expect(providerError(error).kind).toBe("malformed");
});

test("a chunk of an unexpected shape is malformed", async () => {
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
      model: "gpt-test",
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
    body: {
      error: {
        message: `Incorrect API key provided: ${secret}.`,
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    },
  });
  const error = providerError((await run()).error);
  expect(error.kind).toBe("auth");
  expect(error.retryable).toBe(false);
  expect(error.message).not.toContain(secret);
  expect(String(error)).not.toContain(secret);
});

test.each([
  [400, "bad_request"],
  [402, "auth"],
  [403, "auth"],
  [404, "bad_request"],
  [422, "bad_request"],
  [503, "server"],
] as const)("status %d is %s", async (status, kind) => {
  server.enqueue({ kind: "http_error", status });
  const error = providerError((await run()).error);
  expect(error.kind).toBe(kind);
  expect(error.status).toBe(status);
});
