import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectRateLimited } from "../../services/gateway/src/limits/__fixtures__/expect-rate-limited.ts";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

describe("generations per user: one bucket across HTTP, WebSocket and /v1 (every service in one process)", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer(
      {
        DEMO_TOKENS_PER_SECOND: "0",
        GENERATIONS_PER_USER_PER_MINUTE: "3",
      },
      { generousLimits: false },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function signedIn(name: string) {
    const client = await ChatApiClient.signUp(server.baseUrl, name);
    const chatId = async () => (await client.request("POST", "/api/chats", {})).body.id as string;
    const apiKey = (await client.request("POST", "/api/keys", { name: "tests" })).body.key as string;
    return { client, chatId, apiKey };
  }

  function completion(apiKey: string) {
    return fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hello" }] }),
    });
  }

  test("three generations by any mix of transports, then each of them refuses the fourth", async () => {
    const ada = await signedIn("Ada");
    const socket = await ada.client.socket();
    try {
      expect(
        (await ada.client.request("POST", `/api/chats/${await ada.chatId()}/messages`, { content: "one" }))
          .status,
      ).toBe(202);
      socket.send({ type: "chat_message", chatId: await ada.chatId(), content: "two", requestId: "two" });
      expect((await socket.waitFor((frame) => frame.requestId === "two")).type).toBe("message_accepted");
      expect((await completion(ada.apiKey)).status).toBe(200);

      const refused = await ada.client.request("POST", `/api/chats/${await ada.chatId()}/messages`, {
        content: "four",
      });
      expectRateLimited(refused);
      expect(refused.body.error.message).toContain("at most 3 a minute");

      socket.send({ type: "chat_message", chatId: await ada.chatId(), content: "four", requestId: "four" });
      const refusedFrame = await socket.waitFor((frame) => frame.requestId === "four");
      expect(refusedFrame).toMatchObject({ type: "error", code: "RATE_LIMITED", retryable: true });
      expect(refusedFrame.retryAfterMs).toBeGreaterThan(0);
      expect(refusedFrame.retryAfterMs).toBeLessThanOrEqual(20_000);

      const refusedCompletion = await completion(ada.apiKey);
      expect(refusedCompletion.status).toBe(429);
      expect(Number(refusedCompletion.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await refusedCompletion.json()) as any).error).toMatchObject({
        type: "rate_limit_error",
        code: "RATE_LIMITED",
      });

      // Reading is not generating: the user may still use the rest of the API.
      expect((await ada.client.request("GET", "/api/chats")).status).toBe(200);
    } finally {
      socket.close();
    }

    const grace = await signedIn("Grace");
    expect(
      (await grace.client.request("POST", `/api/chats/${await grace.chatId()}/messages`, { content: "one" }))
        .status,
    ).toBe(202);
  });
});
