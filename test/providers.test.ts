import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type AnthropicWireServer,
  startAnthropicWireServer,
} from "../services/orchestrator/src/providers/__fixtures__/anthropic-wire-server.ts";
import {
  type OpenAIWireServer,
  openAIWireDefaultText,
  startOpenAIWireServer,
} from "../services/orchestrator/src/providers/__fixtures__/openai-wire-server.ts";
import { ChatApiClient } from "./support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";
import type { ServerSentEvent } from "./support/sse-reader.ts";

const openAIKey = "sk-test-SECRETOPENAIKEY0123456789";
const anthropicKey = "sk-ant-test-SECRETANTHROPICKEY0123";

type Completed = {
  fullContent: string;
  finishReason: string;
  model: string;
  usage: {
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    provider: string;
    timeToFirstTokenMs: number | null;
    durationMs: number;
  };
};

/**
 * The whole system (embedded, one process) with only OPENAI_BASE_URL and ANTHROPIC_BASE_URL
 * pointed at local servers that speak each provider's streaming wire format.
 */
describe("real providers through the whole system", () => {
  let openai: OpenAIWireServer;
  let anthropic: AnthropicWireServer;
  let server: EmbeddedServer;
  const client = () => new ChatApiClient(server.baseUrl);
  let user: ChatApiClient;

  beforeAll(async () => {
    openai = startOpenAIWireServer();
    anthropic = startAnthropicWireServer();
    server = await startEmbeddedServer(
      {
        LOG_LEVEL: "debug",
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: openAIKey,
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_API_KEY: anthropicKey,
        SYSTEM_PROMPT: "You are the test assistant.",
        CHUNK_FLUSH_MS: "5",
        PROVIDER_RETRY_BASE_MS: "10",
        PROVIDER_RETRY_MAX_DELAY_MS: "3000",
        PROVIDER_FIRST_TOKEN_TIMEOUT_MS: "1500",
        PROVIDER_IDLE_TIMEOUT_MS: "1500",
      },
      { settings: "plain" },
    );
    user = client();
    expect((await user.register("Provider")).status).toBe(201);
  });
  afterAll(async () => {
    await server?.stop();
    await openai?.stop();
    await anthropic?.stop();
  });

  async function newChat(fields: Record<string, unknown>): Promise<string> {
    const created = await user.request("POST", "/api/chats", fields);
    expect(created.status).toBe(201);
    return created.body.id;
  }

  /** Sends a message and follows the chat's events until its answer is complete. */
  async function ask(chatId: string, content: string, onChunk?: (messageId: string) => Promise<void>) {
    const events = await user.events(`/api/chats/${chatId}/events`);
    try {
      const sent = await user.request("POST", `/api/chats/${chatId}/messages`, { content });
      expect(sent.status).toBe(202);
      const messageId: string = sent.body.assistantMessageId;
      const ofThisMessage = (event: ServerSentEvent) =>
        (event.data as { messageId?: string }).messageId === messageId;
      if (onChunk) {
        await events.waitFor((event) => event.event === "message_chunk" && ofThisMessage(event));
        await onChunk(messageId);
      }
      const complete = await events.waitFor(
        (event) => event.event === "message_complete" && ofThisMessage(event),
      );
      const error = events.events.find((event) => event.event === "error" && ofThisMessage(event));
      return {
        messageId,
        events,
        completed: complete.data as Completed,
        error: error?.data as Record<string, unknown> | undefined,
      };
    } finally {
      events.close();
    }
  }

  async function storedAnswer(chatId: string, messageId: string) {
    const chat = await user.request("GET", `/api/chats/${chatId}`);
    return (chat.body.messages as Array<Completed & { id: string; content: string }>).find(
      (message) => message.id === messageId,
    );
  }

  test("GET /api/models lists the built-in models of both providers and the demo model", async () => {
    const models = await user.request("GET", "/api/models");
    expect(models.status).toBe(200);
    expect(models.body.defaultModel).toBe("claude-sonnet-4-5");
    expect(models.body.models.map((model: { id: string }) => model.id)).toEqual([
      "claude-sonnet-4-5",
      "claude-haiku-4-5",
      "gpt-4.1",
      "gpt-4.1-mini",
      "demo",
    ]);
    expect((await user.request("POST", "/api/chats", { model: "gpt-9" })).body.error.code).toBe(
      "MODEL_NOT_AVAILABLE",
    );
  });

  test("a chat on gpt-4.1 streams through the whole system; usage and cost are stored; a title follows", async () => {
    const chatId = await newChat({ model: "gpt-4.1", systemPrompt: "Answer briefly." });
    const answer = "Quicksort picks a pivot, partitions around it, and sorts both sides.";
    const requestsBefore = openai.requests.length;
    openai.enqueue(
      { kind: "stream", text: answer, usage: { promptTokens: 1200, completionTokens: 300 } },
      { kind: "stream", text: '"Sorting with quicksort."' },
    );
    const events = await user.events(`/api/chats/${chatId}/events`);
    const { messageId, completed } = await ask(chatId, "How does quicksort work?");
    expect(completed).toMatchObject({ fullContent: answer, finishReason: "stop", model: "gpt-4.1" });
    expect(completed.usage).toMatchObject({ inputTokens: 1200, outputTokens: 300, provider: "openai" });
    expect(completed.usage.costUsd).toBeCloseTo((1200 * 2 + 300 * 8) / 1_000_000, 9);
    expect(completed.usage.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(completed.usage.durationMs).toBeGreaterThanOrEqual(completed.usage.timeToFirstTokenMs ?? 0);

    const sent = openai.requests[requestsBefore];
    expect(sent?.path).toBe("/v1/chat/completions");
    expect(sent?.headers.authorization).toBe(`Bearer ${openAIKey}`);
    expect(sent?.body).toMatchObject({
      model: "gpt-4.1",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "You are the test assistant.\n\nAnswer briefly." },
        { role: "user", content: "How does quicksort work?" },
      ],
    });

    const stored = await storedAnswer(chatId, messageId);
    expect(stored).toMatchObject({
      content: answer,
      finishReason: "stop",
      model: "gpt-4.1",
      usage: completed.usage,
    });

    const renamed = await events.waitFor((event) => event.event === "chat_updated");
    events.close();
    expect((renamed.data as { chat: { title: string } }).chat.title).toBe("Sorting with quicksort");
    expect(openai.requests[requestsBefore + 1]?.body).toMatchObject({ max_tokens: 24 });
  });

  test("a 429 with retry-after is waited out and retried; the answer arrives whole", async () => {
    const chatId = await newChat({ title: "Rate limits", model: "gpt-4.1" });
    const requestsBefore = openai.requests.length;
    openai.enqueue({ kind: "http_error", status: 429, retryAfter: "1" });
    const { completed } = await ask(chatId, "Hello?");
    expect(completed).toMatchObject({
      fullContent: openAIWireDefaultText,
      finishReason: "stop",
      model: "gpt-4.1",
    });
    expect(openai.requests.length - requestsBefore).toBe(2);
  });

  test("Anthropic overloaded (529) is retried, then the chat fails over to its fallback model", async () => {
    const chatId = await newChat({ title: "Overloaded" });
    const requestsBefore = anthropic.requests.length;
    anthropic.enqueue(
      { kind: "http_error", status: 529 },
      { kind: "http_error", status: 529 },
      { kind: "http_error", status: 529 },
      { kind: "stream", text: "An answer from Haiku." },
    );
    const { messageId, completed } = await ask(chatId, "Are you there?");
    expect(completed).toMatchObject({
      fullContent: "An answer from Haiku.",
      finishReason: "stop",
      model: "claude-haiku-4-5",
    });
    expect(completed.usage.provider).toBe("anthropic");
    const models = anthropic.requests
      .slice(requestsBefore)
      .map((request) => (request.body as { model: string }).model);
    expect(models).toEqual([
      "claude-sonnet-4-5",
      "claude-sonnet-4-5",
      "claude-sonnet-4-5",
      "claude-haiku-4-5",
    ]);
    expect(anthropic.requests[requestsBefore]?.body).toMatchObject({
      system: "You are the test assistant.",
      stream: true,
    });
    expect((await storedAnswer(chatId, messageId))?.model).toBe("claude-haiku-4-5");
  });

  test("500 on every model and retry ends the message with an error event and frees the chat", async () => {
    const chatId = await newChat({ title: "Broken", model: "gpt-4.1" });
    openai.enqueue(...Array.from({ length: 6 }, () => ({ kind: "http_error" as const, status: 500 })));
    const failed = await ask(chatId, "Anyone?");
    expect(failed.completed).toMatchObject({ fullContent: "", finishReason: "error" });
    expect(failed.error).toMatchObject({ code: "PROVIDER_ERROR", retryable: true });
    const again = await ask(chatId, "Now?");
    expect(again.completed).toMatchObject({ fullContent: openAIWireDefaultText, finishReason: "stop" });
  });

  test("a connection dropped mid-stream keeps the partial text with finishReason error", async () => {
    const chatId = await newChat({ title: "Dropped", model: "gpt-4.1" });
    openai.enqueue({ kind: "drop", afterText: "The first half of an answer " });
    const { messageId, completed, error } = await ask(chatId, "Tell me more");
    expect(completed).toMatchObject({ fullContent: "The first half of an answer ", finishReason: "error" });
    expect(error).toMatchObject({ code: "PROVIDER_ERROR" });
    expect(await storedAnswer(chatId, messageId)).toMatchObject({
      content: "The first half of an answer ",
      finishReason: "error",
    });
  });

  test("a malformed event mid-stream ends the message with what came before it", async () => {
    const chatId = await newChat({ title: "Malformed" });
    anthropic.enqueue({ kind: "malformed", afterText: "Half of it " });
    const { completed, error } = await ask(chatId, "Go on");
    expect(completed).toMatchObject({ fullContent: "Half of it ", finishReason: "error" });
    expect(error).toMatchObject({ code: "PROVIDER_ERROR" });
  });

  test("a first token slower than the timeout: the request is abandoned and retried", async () => {
    const chatId = await newChat({ title: "Slow", model: "gpt-4.1" });
    const abortsBefore = openai.abortedRequests;
    openai.enqueue(
      { kind: "stream", text: "too late", firstTokenDelayMs: 4_000 },
      { kind: "stream", text: "On time." },
    );
    const { completed } = await ask(chatId, "Quick!");
    expect(completed).toMatchObject({ fullContent: "On time.", finishReason: "stop" });
    await openai.waitForAborts(abortsBefore + 1);
  });

  test("cancel aborts the upstream request and stores the partial answer", async () => {
    const chatId = await newChat({ title: "Cancelled", model: "gpt-4.1" });
    const longAnswer = "word ".repeat(400);
    const abortsBefore = openai.abortedRequests;
    openai.enqueue({ kind: "stream", text: longAnswer, chunkDelayMs: 20 });
    const { messageId, completed } = await ask(chatId, "Write a lot", async () => {
      const cancelled = await user.request("POST", `/api/chats/${chatId}/cancel`);
      expect(cancelled.body).toMatchObject({ cancelled: true });
    });
    expect(completed.finishReason).toBe("cancelled");
    expect(completed.fullContent.length).toBeGreaterThan(0);
    expect(completed.fullContent.length).toBeLessThan(longAnswer.length);
    expect(longAnswer.startsWith(completed.fullContent)).toBe(true);
    await openai.waitForAborts(abortsBefore + 1);
    expect(await storedAnswer(chatId, messageId)).toMatchObject({
      content: completed.fullContent,
      finishReason: "cancelled",
    });
  });

  test("GET /api/usage sums the user's generations per chat and per model", async () => {
    const chatId = await newChat({ title: "Counted", model: "gpt-4.1-mini" });
    openai.enqueue({
      kind: "stream",
      text: "Counted.",
      usage: { promptTokens: 1000, completionTokens: 500 },
    });
    const { completed } = await ask(chatId, "Count me");
    expect(completed.usage.costUsd).toBeCloseTo((1000 * 0.4 + 500 * 1.6) / 1_000_000, 9);
    // The ledger is written from its own queue: wait until it has this generation.
    let report = await user.request("GET", "/api/usage");
    for (
      let tries = 0;
      tries < 50 && !report.body.chats.some((chat: { chatId: string }) => chat.chatId === chatId);
      tries++
    ) {
      await Bun.sleep(100);
      report = await user.request("GET", "/api/usage");
    }
    expect(report.status).toBe(200);
    expect(report.body.chats).toContainEqual({
      chatId,
      inputTokens: 1000,
      outputTokens: 500,
      costUsd: 0.0012,
      generations: 1,
    });
    expect(report.body.models).toContainEqual(
      expect.objectContaining({ model: "gpt-4.1-mini", provider: "openai" }),
    );
    expect(report.body.total.generations).toBeGreaterThanOrEqual(report.body.chats.length);
    const someoneElse = client();
    await someoneElse.register("Other");
    expect((await someoneElse.request("GET", "/api/usage")).body.total.generations).toBe(0);
    expect(
      (await user.request("GET", "/api/usage?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z")).status,
    ).toBe(400);
  });

  test("a rejected key fails at once, and no key or provider error text ever reaches a log line", async () => {
    const chatId = await newChat({ title: "Bad key", model: "gpt-4.1" });
    const requestsBefore = openai.requests.length;
    openai.enqueue({ kind: "http_error", status: 401 });
    const { completed, error } = await ask(chatId, "Let me in");
    expect(completed.finishReason).toBe("error");
    expect(error).toMatchObject({ code: "PROVIDER_ERROR", retryable: false });
    expect(JSON.stringify(error)).not.toContain("SECRET");
    expect(openai.requests.length - requestsBefore).toBe(1);

    const logs = server.process.output.join("");
    expect(logs).toContain("generation failed");
    expect(logs).toContain("provider failed; retrying");
    for (const secret of [
      "SECRETOPENAIKEY",
      "SECRETANTHROPICKEY",
      "Incorrect API key provided",
      "sk-test-",
      "sk-ant-",
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
