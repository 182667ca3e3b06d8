import { afterAll, expect, test } from "bun:test";
import type { GenerateRequest } from "../model-provider.ts";
import { collectStream, providerError } from "./__fixtures__/collect-stream.ts";
import { difyWireDefaultText, startDifyWireServer } from "./__fixtures__/dify-wire-server.ts";
import { pixelPng } from "./__fixtures__/pixel-image.ts";
import { DifyProvider, toDifyQuery } from "./dify-provider.ts";
import { modelProviderContract } from "./model-provider.contract.ts";

const server = startDifyWireServer();
afterAll(() => server.stop());

const apiKey = "app-test-key";
const provider = new DifyProvider({ apiKey, baseURL: server.url, user: "chat-system" });

const run = (request: Partial<GenerateRequest> = {}) =>
  collectStream(provider, {
    model: "dify",
    messages: [{ role: "user", content: "Say hello." }],
    maxOutputTokens: 256,
    signal: new AbortController().signal,
    ...request,
  });

modelProviderContract("DifyProvider", {
  provider,
  model: "dify",
  upstream: {
    server,
    defaultText: difyWireDefaultText,
    providerAt: (baseURL) => new DifyProvider({ apiKey, baseURL, user: "chat-system" }),
    startServer: () => startDifyWireServer(),
    authErrorBody: (secret) => ({
      code: "unauthorized",
      message: `Access token ${secret} is invalid`,
      status: 401,
    }),
  },
});

test("sends the question as a streaming chat message of the configured user, with the app's key", async () => {
  const before = server.requests.length;
  await run();
  const sent = server.requests[before];
  expect(sent?.path).toBe("/v1/chat-messages");
  expect(sent?.headers.authorization).toBe(`Bearer ${apiKey}`);
  expect(sent?.body).toEqual({
    inputs: {},
    query: "Say hello.",
    response_mode: "streaming",
    user: "chat-system",
    auto_generate_name: false,
  });
});

test("the finish carries the usage of message_end; pings and workflow events pass by", async () => {
  server.enqueue({ kind: "stream", text: "Hi there.", usage: { promptTokens: 31, completionTokens: 4 } });
  const { parts, text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe("Hi there.");
  expect(parts.at(-1)).toEqual({
    type: "finish",
    finishReason: "stop",
    usage: { inputTokens: 31, outputTokens: 4 },
  });
});

test("an agent app's agent_message events are the text", async () => {
  server.enqueue({ kind: "stream", text: "Thinking done.", agent: true });
  const { text, error } = await run();
  expect(error).toBeUndefined();
  expect(text).toBe("Thinking done.");
});

test("an error event keeps the text so far and maps Dify's status and code", async () => {
  server.enqueue({
    kind: "stream_error_event",
    afterText: "Half",
    status: 400,
    code: "provider_quota_exceeded",
  });
  const quota = await run();
  expect(quota.text).toBe("Half");
  expect(providerError(quota.error)).toMatchObject({ kind: "auth", retryable: false });
  expect(providerError(quota.error).message).toContain("provider_quota_exceeded");

  server.enqueue({
    kind: "stream_error_event",
    afterText: "Half",
    status: 503,
    code: "completion_request_error",
  });
  expect(providerError((await run()).error)).toMatchObject({ kind: "server", retryable: true, status: 503 });
});

test("a cancelled answer is also stopped on Dify's side, by its task id", async () => {
  server.enqueue({
    kind: "stream",
    text: "A long answer that keeps going for a while yet.",
    chunkDelayMs: 20,
  });
  const controller = new AbortController();
  const requestNumber = server.requests.length + 1;
  let thrown: unknown;
  try {
    for await (const _part of provider.stream({
      model: "dify",
      messages: [{ role: "user", content: "Go on" }],
      maxOutputTokens: 256,
      signal: controller.signal,
    })) {
      controller.abort(new Error("stop"));
    }
  } catch (error) {
    thrown = error;
  }
  expect(String(thrown)).toContain("stop");
  const stopPath = `/v1/chat-messages/task-${requestNumber}/stop`;
  for (let waited = 0; waited < 1_000; waited += 10) {
    if (server.requests.some((request) => request.path === stopPath)) break;
    await Bun.sleep(10);
  }
  const stop = server.requests.find((request) => request.path === stopPath);
  expect(stop?.method).toBe("POST");
  expect(stop?.body).toEqual({ user: "chat-system" });
});

test("a query carries the instructions and the turns before the question, since each answer is a new Dify conversation", () => {
  expect(toDifyQuery([{ role: "user", content: "Hi" }])).toBe("Hi");
  expect(
    toDifyQuery([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "4" },
      { role: "user", content: "And times 3?" },
    ]),
  ).toBe("Instructions: Be brief.\n\nUser: What is 2+2?\n\nAssistant: 4\n\nUser: And times 3?");
  expect(toDifyQuery([{ role: "assistant", content: "Hello" }])).toBe("");
});

test("the question's images are uploaded to Dify first, then named in the message's files", async () => {
  const before = server.requests.length;
  const { text, error } = await run({
    messages: [
      { role: "user", content: "Old question", images: [pixelPng] },
      { role: "assistant", content: "Old answer" },
      { role: "user", content: "What is this?", images: [pixelPng, { ...pixelPng, mediaType: "image/png" }] },
    ],
  });
  expect(error).toBeUndefined();
  expect(text).toBe(difyWireDefaultText);
  const [first, second, message] = server.requests.slice(before);
  // Only the question's images: the earlier turns reach Dify as text.
  expect(server.requests.length - before).toBe(3);
  for (const upload of [first, second]) {
    expect(upload).toMatchObject({
      path: "/v1/files/upload",
      headers: { authorization: `Bearer ${apiKey}` },
      body: { type: "image/png", size: 70, user: "chat-system" },
    });
  }
  const files = (message?.body as { files?: Array<{ upload_file_id: string }> } | undefined)?.files ?? [];
  expect(files).toHaveLength(2);
  expect(files[0]).toMatchObject({ type: "image", transfer_method: "local_file" });
  expect(new Set(files.map((file) => file.upload_file_id)).size).toBe(2);
});

test("an upload Dify refuses fails the answer with its status, before the message is sent", async () => {
  const before = server.requests.length;
  const { error } = await run({
    messages: [{ role: "user", content: "What is this?", images: [{ mediaType: "image/png", data: "" }] }],
  });
  expect(providerError(error)).toMatchObject({ kind: "bad_request", status: 415 });
  expect(server.requests.slice(before).map((request) => request.path)).toEqual(["/v1/files/upload"]);
});
