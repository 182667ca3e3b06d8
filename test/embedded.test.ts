import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "./support/chat-api-client.ts";
import { chatFlowSuite } from "./support/chat-flow-suite.ts";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";

const maxBodyBytes = 64 * 1024;
const metricsToken = `metrics-${crypto.randomUUID()}`;

describe("embedded default: all five services in one process, in-process bus, SQLite", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    // The defaults as deployed: a generated JWT secret, the default limits.
    server = await startEmbeddedServer(
      { MAX_BODY_BYTES: String(maxBodyBytes), METRICS_TOKEN: metricsToken },
      { settings: "plain" },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  chatFlowSuite(() => server.baseUrl, { maxBodyBytes });

  test("serves the frontend, Swagger UI and the OpenAPI document", async () => {
    const page = await fetch(`${server.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain("<chat-app");
    const swagger = await fetch(`${server.baseUrl}/swagger`);
    expect(swagger.status).toBe(200);
    const document = (await (await fetch(`${server.baseUrl}/swagger/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toContain("/api/chats/{id}/messages");
  });

  test("GET /metrics: Prometheus metrics of every service in the process, for the METRICS_TOKEN only", async () => {
    const scrape = (token?: string) =>
      fetch(`${server.baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    for (const refused of [await scrape(), await scrape(`${metricsToken}x`), await scrape("short")]) {
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    }

    const client = new ChatApiClient(server.baseUrl);
    await client.register("Measured");
    const { events } = await client.answeredChat("Count me");
    const value = async (series: string) => {
      const scraped = await scrape(metricsToken);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get("content-type")).toStartWith("text/plain");
      const line = (await scraped.text()).split("\n").find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(await value('chat_open_streams{transport="sse"}')).toBeGreaterThanOrEqual(1);
    expect(
      await value('chat_http_requests_total{method="POST",route="/api/chats/:id/messages",status="202"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(await value('chat_commands_total{type="send_message",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(
      await value('chat_model_calls_total{model="demo",provider="demo",finish_reason="stop"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(await value('chat_model_tokens_total{provider="demo",direction="output"}')).toBeGreaterThan(0);
    expect(
      await value('chat_generation_work_queue_wait_seconds_count{type="generation_requested"}'),
    ).toBeGreaterThanOrEqual(1);
    // The answer's work ends just after its client saw it complete: the gauge goes back to 0.
    const inProgress = 'chat_generation_work_in_progress{type="generation_requested"}';
    for (let attempt = 0; (await value(inProgress)) !== 0 && attempt < 50; attempt++) await Bun.sleep(20);
    expect(await value(inProgress)).toBe(0);
    expect(
      await value('chat_bus_messages_handled_total{consumer="store.completions",outcome="ack"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(await value("chat_process_resident_memory_bytes")).toBeGreaterThan(0);
    const before = (await value('chat_open_streams{transport="sse"}')) as number;
    events.close();
    for (
      let attempt = 0;
      (await value('chat_open_streams{transport="sse"}')) === before && attempt < 50;
      attempt++
    ) {
      await Bun.sleep(50);
    }
    expect(await value('chat_open_streams{transport="sse"}')).toBeLessThanOrEqual(before - 1);
  });

  test("history survives a restart of the process", async () => {
    const client = new ChatApiClient(server.baseUrl);
    const registered = await client.register("Persistent");
    const chatId = (await client.request("POST", "/api/chats", { title: "Remember me" })).body.id;
    const events = await client.events(`/api/chats/${chatId}/events`);
    await client.request("POST", `/api/chats/${chatId}/messages`, { content: "Keep this" });
    await events.waitFor((event) => event.event === "message_complete");
    events.close();
    let before = await client.request("GET", `/api/chats/${chatId}`);
    for (let attempt = 0; before.body.messages.length < 2 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      before = await client.request("GET", `/api/chats/${chatId}`);
    }

    expect(await server.process.stop()).toBe(0);
    await server.restart();

    const again = new ChatApiClient(server.baseUrl);
    const login = await again.request("POST", "/api/auth/login", {
      email: registered.body.user.email,
      password: "correct horse battery",
    });
    expect(login.status).toBe(200);
    again.token = login.body.accessToken;
    const after = await again.request("GET", `/api/chats/${chatId}`);
    expect(after.body.messages).toHaveLength(2);
    expect(after.body.messages).toEqual(before.body.messages);
    expect((await client.request("GET", "/api/me")).status).toBe(200);
  });
});
