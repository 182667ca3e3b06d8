import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

describe("share links: a read-only snapshot of a chat for anyone with the link", () => {
  let server: EmbeddedServer;
  let owner: ChatApiClient;
  let stranger: ChatApiClient;
  let chatId: string;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    owner = await ChatApiClient.signUp(server.baseUrl, "Owner");
    stranger = await ChatApiClient.signUp(server.baseUrl, "Stranger");
    const answered = await owner.answeredChat("What is a monad?");
    answered.events.close();
    chatId = answered.chatId;
  });
  afterAll(async () => {
    await server?.stop();
  });

  const readShared = (shareId: string) => fetch(`${server.baseUrl}/api/shared/${shareId}`);

  test("the owner makes a link; anyone reads the chat as it was, without the owner's email or ids", async () => {
    const created = await owner.request("POST", `/api/chats/${chatId}/shares`);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      chatId,
      title: expect.any(String),
      createdAt: expect.any(String),
      messageCount: 2,
      path: `/s/${created.body.id}`,
    });

    const later = await owner.request("POST", `/api/chats/${chatId}/messages`, {
      content: "a later question",
    });
    expect(later.status).toBe(202);

    const shared = await readShared(created.body.id);
    expect(shared.status).toBe(200);
    expect(shared.headers.get("x-robots-tag")).toContain("noindex");
    expect(shared.headers.get("cache-control")).toBe("no-store");
    const text = await shared.text();
    const body = JSON.parse(text);
    expect(body.messages.map((message: { role: string }) => message.role)).toEqual(["user", "assistant"]);
    expect(body.messages[0].content).toBe("What is a monad?");
    expect(body.messages[1].content.length).toBeGreaterThan(0);
    expect(body.truncated).toBe(false);
    expect(Object.keys(body).sort()).toEqual(["createdAt", "id", "messages", "model", "title", "truncated"]);
    const me = (await owner.request("GET", "/api/me")).body.user;
    for (const secret of [me.email, me.id, chatId, "a later question"]) expect(text).not.toContain(secret);
  });

  test("the page of a link is the read-only app page, not indexed", async () => {
    const { id } = (await owner.request("POST", `/api/chats/${chatId}/shares`)).body;
    const page = await fetch(`${server.baseUrl}/s/${id}`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("x-robots-tag")).toContain("noindex");
    const html = await page.text();
    expect(html).toContain("<shared-chat-page>");
    expect(html).toContain('<meta name="robots" content="noindex');
    expect((await fetch(`${server.baseUrl}/s/a/b`, { headers: { accept: "text/html" } })).status).toBe(404);
  });

  test("only the owner makes, lists and revokes links; a revoked link shows nothing", async () => {
    const refused = await stranger.request("POST", `/api/chats/${chatId}/shares`);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("CHAT_NOT_FOUND");

    const { id } = (await owner.request("POST", `/api/chats/${chatId}/shares`)).body;
    const listed = await owner.request("GET", "/api/shares?limit=100");
    expect(listed.status).toBe(200);
    expect(listed.body.shares.map((share: { id: string }) => share.id)).toContain(id);
    expect((await stranger.request("GET", "/api/shares")).body.shares).toEqual([]);

    const notTheirs = await stranger.request("DELETE", `/api/shares/${id}`);
    expect(notTheirs.status).toBe(404);
    expect(notTheirs.body.error.code).toBe("SHARE_NOT_FOUND");
    expect((await readShared(id)).status).toBe(200);

    expect((await owner.request("DELETE", `/api/shares/${id}`)).status).toBe(204);
    const gone = await readShared(id);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe("SHARE_NOT_FOUND");
    expect(
      (await owner.request("GET", "/api/shares?limit=100")).body.shares.map(
        (share: { id: string }) => share.id,
      ),
    ).not.toContain(id);
  });

  test("a link goes with its chat; a malformed id is a typed 400, an unknown one a 404", async () => {
    const answered = await owner.answeredChat("short-lived");
    answered.events.close();
    const { id } = (await owner.request("POST", `/api/chats/${answered.chatId}/shares`)).body;
    expect((await owner.request("DELETE", `/api/chats/${answered.chatId}`)).status).toBe(204);
    expect((await readShared(id)).status).toBe(404);

    const malformed = await readShared("not%20an%20id");
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe("VALIDATION_FAILED");
    expect((await readShared("A".repeat(22))).status).toBe(404);
  });
});
