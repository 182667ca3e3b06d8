import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type AnthropicWireServer,
  startAnthropicWireServer,
} from "../services/orchestrator/src/providers/__fixtures__/anthropic-wire-server.ts";
import {
  type DifyWireServer,
  startDifyWireServer,
} from "../services/orchestrator/src/providers/__fixtures__/dify-wire-server.ts";
import {
  type OpenAIWireServer,
  startOpenAIWireServer,
} from "../services/orchestrator/src/providers/__fixtures__/openai-wire-server.ts";
import { ChatApiClient } from "./support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";

/**
 * A chat's temperature from the API to each provider's wire format: the whole system (embedded)
 * with every provider pointed at a local server that speaks its protocol.
 */
describe("a chat's temperature", () => {
  let openai: OpenAIWireServer;
  let openRouter: OpenAIWireServer;
  let compatible: OpenAIWireServer;
  let anthropic: AnthropicWireServer;
  let dify: DifyWireServer;
  let server: EmbeddedServer;
  let user: ChatApiClient;

  beforeAll(async () => {
    openai = startOpenAIWireServer();
    openRouter = startOpenAIWireServer();
    compatible = startOpenAIWireServer();
    anthropic = startAnthropicWireServer();
    dify = startDifyWireServer();
    server = await startEmbeddedServer({
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: "sk-test-openai",
      OPENROUTER_BASE_URL: `${openRouter.url}/api/v1`,
      OPENROUTER_API_KEY: "sk-or-test",
      OPENAI_COMPATIBLE_BASE_URL: `${compatible.url}/v1`,
      OPENAI_COMPATIBLE_MODELS: "llama3",
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: "sk-ant-test",
      DIFY_BASE_URL: `${dify.url}/v1`,
      DIFY_API_KEY: "app-test",
    });
    user = await ChatApiClient.signUp(server.baseUrl, "Temperature");
  });
  afterAll(async () => {
    await server?.stop();
    for (const upstream of [openai, openRouter, compatible, anthropic, dify]) await upstream?.stop();
  });

  /** Asks once in the chat and gives the body the upstream received for the answer. */
  async function answerRequestBody(chatId: string, upstream: { requests: Array<{ body: unknown }> }) {
    const before = upstream.requests.length;
    const events = await user.events(`/api/chats/${chatId}/events`);
    try {
      const sent = await user.request("POST", `/api/chats/${chatId}/messages`, { content: "Hello" });
      expect(sent.status).toBe(202);
      const complete = await events.waitFor(
        (event) =>
          event.event === "message_complete" &&
          (event.data as { messageId?: string }).messageId === sent.body.assistantMessageId,
      );
      expect((complete.data as { finishReason: string }).finishReason).toBe("stop");
    } finally {
      events.close();
    }
    return upstream.requests[before]?.body as Record<string, unknown>;
  }

  async function newChat(fields: Record<string, unknown>): Promise<string> {
    const created = await user.request("POST", "/api/chats", { title: "Temperature", ...fields });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  test("each OpenAI-protocol provider receives the chat's temperature as it is, up to 2", async () => {
    const upstreams = [
      ["gpt-4.1", openai],
      ["openrouter/openai/gpt-4.1-mini", openRouter],
      ["local/llama3", compatible],
    ] as const;
    for (const [model, upstream] of upstreams) {
      const chatId = await newChat({ model, temperature: 1.7 });
      expect(await answerRequestBody(chatId, upstream)).toMatchObject({ temperature: 1.7 });
    }
  });

  test("Anthropic receives the chat's temperature up to its 1, and 1 for a higher one", async () => {
    const chatId = await newChat({ model: "claude-sonnet-4-5", temperature: 0.4 });
    expect(await answerRequestBody(chatId, anthropic)).toMatchObject({ temperature: 0.4 });

    const changed = await user.request("PATCH", `/api/chats/${chatId}`, { temperature: 1.5 });
    expect(changed.status).toBe(200);
    expect(changed.body.temperature).toBe(1.5);
    expect(await answerRequestBody(chatId, anthropic)).toMatchObject({ temperature: 1 });
  });

  test("without a temperature, or after null restored the default, none is sent", async () => {
    const chatId = await newChat({ model: "gpt-4.1" });
    expect((await user.request("GET", `/api/chats/${chatId}`)).body).not.toHaveProperty("temperature");
    expect(await answerRequestBody(chatId, openai)).not.toHaveProperty("temperature");

    expect((await user.request("PATCH", `/api/chats/${chatId}`, { temperature: 0 })).body.temperature).toBe(
      0,
    );
    expect(await answerRequestBody(chatId, openai)).toMatchObject({ temperature: 0 });

    const cleared = await user.request("PATCH", `/api/chats/${chatId}`, { temperature: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty("temperature");
    expect(await answerRequestBody(chatId, openai)).not.toHaveProperty("temperature");
  });

  test("Dify takes no temperature: its app's own settings answer", async () => {
    const chatId = await newChat({ model: "dify", temperature: 0.2 });
    const body = await answerRequestBody(chatId, dify);
    expect(body).toMatchObject({ query: "Hello" });
    expect(JSON.stringify(body)).not.toContain("temperature");
  });

  test("a temperature out of range or not a number is refused with a typed 400; the chat keeps its own", async () => {
    const chatId = await newChat({ model: "gpt-4.1", temperature: 0.5 });
    for (const temperature of [3, -0.1, "hot"]) {
      const refused = await user.request("PATCH", `/api/chats/${chatId}`, { temperature });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("VALIDATION_FAILED");
      expect(refused.body.error.details[0].path).toBe("/temperature");
      const refusedCreate = await user.request("POST", "/api/chats", { temperature });
      expect(refusedCreate.status).toBe(400);
      expect(refusedCreate.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await user.request("GET", `/api/chats/${chatId}`)).body.temperature).toBe(0.5);
  });

  test("an export carries the temperature and an import restores it", async () => {
    const chatId = await newChat({ model: "gpt-4.1", temperature: 1.2 });
    const file = (await user.request("GET", `/api/chats/${chatId}/export`)).body;
    expect(file.chats[0].temperature).toBe(1.2);
    const markdown = await user.request("GET", `/api/chats/${chatId}/export?format=markdown`);
    expect(markdown.body).toContain("Model: gpt-4.1 · temperature 1.2 · started");

    const reader = await ChatApiClient.signUp(server.baseUrl, "Reader");
    const imported = await reader.request("POST", "/api/imports", file);
    expect(imported.body).toMatchObject({ imported: 1, skipped: [] });
    const importedChat = await reader.request("GET", `/api/chats/${imported.body.chats[0].id}`);
    expect(importedChat.body).toMatchObject({ model: "gpt-4.1", temperature: 1.2 });
  });
});
