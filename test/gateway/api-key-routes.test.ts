import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

describe("/api/keys: the user's API keys", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      DEMO_TOKENS_PER_SECOND: "0",
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("create shows the secret once; the list never does", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Ada");
    const created = await client.request("POST", "/api/keys", { name: "  laptop  " });
    expect(created.status).toBe(201);
    const { key, ...listed } = created.body;
    expect(key).toMatch(/^sk-chat-[A-Za-z0-9_-]{32,}$/);
    expect(listed).toEqual({
      id: expect.any(String),
      name: "laptop",
      prefix: key.slice(0, 12),
      createdAt: expect.any(String),
      lastUsedAt: null,
    });

    const list = await client.request("GET", "/api/keys");
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ keys: [listed] });
    expect(JSON.stringify(list.body)).not.toContain(key.slice(12));
  });

  test("a key records when it was last used", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Grace");
    const { key, id } = (await client.request("POST", "/api/keys", { name: "ci" })).body;
    const models = await fetch(`${server.baseUrl}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(models.status).toBe(200);
    const [listed] = (await client.request("GET", "/api/keys")).body.keys;
    expect(listed.id).toBe(id);
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(listed.createdAt));
  });

  test("delete: 204, then the key is gone from the list and stops working", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Linus");
    const { key, id } = (await client.request("POST", "/api/keys", { name: "old" })).body;
    const other = (await client.request("POST", "/api/keys", { name: "kept" })).body;

    const deleted = await client.request("DELETE", `/api/keys/${id}`);
    expect(deleted.status).toBe(204);
    const keys = (await client.request("GET", "/api/keys")).body.keys;
    expect(keys.map((listed: { id: string }) => listed.id)).toEqual([other.id]);
    const refused = await fetch(`${server.baseUrl}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(refused.status).toBe(401);
    expect((await client.request("DELETE", `/api/keys/${id}`)).status).toBe(404);
  });

  test("another user's key, or an unknown id, answers 404 KEY_NOT_FOUND and is left alone", async () => {
    const owner = await ChatApiClient.signUp(server.baseUrl, "Owner");
    const { id } = (await owner.request("POST", "/api/keys", { name: "mine" })).body;
    const intruder = await ChatApiClient.signUp(server.baseUrl, "Intruder");

    for (const keyId of [id, "no-such-key"]) {
      const response = await intruder.request("DELETE", `/api/keys/${keyId}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("KEY_NOT_FOUND");
    }
    expect((await intruder.request("GET", "/api/keys")).body.keys).toEqual([]);
    expect((await owner.request("GET", "/api/keys")).body.keys).toHaveLength(1);
  });

  test("needs a session (bearer or cookie), not an API key", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Barbara");
    const me = await client.request("GET", "/api/me");
    expect(me.status).toBe(200);
    const { key } = (await client.request("POST", "/api/keys", { name: "k" })).body;

    const anonymous = new ChatApiClient(server.baseUrl);
    expect((await anonymous.request("GET", "/api/keys")).status).toBe(401);
    expect((await anonymous.request("POST", "/api/keys", { name: "x" })).status).toBe(401);
    const withKey = await anonymous.request("GET", "/api/keys", undefined, {
      authorization: `Bearer ${key}`,
    });
    expect(withKey.status).toBe(401);
    expect(withKey.body.error.code).toBe("UNAUTHORIZED");

    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: me.body.user.email, password: "correct horse battery" }),
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const byCookie = await anonymous.request("GET", "/api/keys", undefined, { cookie });
    expect(byCookie.status).toBe(200);
    expect(byCookie.body.keys).toHaveLength(1);
  });

  test("a name is required, 1 to 100 characters, and nothing else is accepted", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Edsger");
    for (const body of [{}, { name: "" }, { name: "x".repeat(101) }, { name: "ok", scope: "all" }]) {
      const response = await client.request("POST", "/api/keys", body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});
