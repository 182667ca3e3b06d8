import { afterAll, beforeAll, expect, test } from "bun:test";
import { ChatApiClient } from "./chat-api-client.ts";
import type { ServerSentEvent, SseReader } from "./sse-reader.ts";

/** Where the suite's clients connect: users to one gateway, staff to another (or the same). */
export type ConsoleGateways = { user: string; staff: string };

type Row = Record<string, any>;

/**
 * The support console end to end, for any deployment whose first account is the admin: the live
 * list (SSE) sees a chat created and answered through the users' gateway; the list pages, filters
 * and sorts; a conversation's detail has its answer's metrics; totals count it; plain users get
 * 404 on every console route and agents 403 on the admin-only settings.
 *
 * @example
 * consoleFlowSuite(() => ({ user: first.baseUrl, staff: second.baseUrl }));
 */
export function consoleFlowSuite(gateways: () => ConsoleGateways) {
  let admin: ChatApiClient;
  let agent: ChatApiClient;
  let user: ChatApiClient;
  let userId: string;
  const streams: SseReader[] = [];

  beforeAll(async () => {
    const { user: userBase, staff } = gateways();
    admin = await ChatApiClient.signUp(staff, "Root");
    agent = await ChatApiClient.signUp(staff, "Grace");
    const agentId = (await agent.request("GET", "/api/me")).body.user.id;
    expect((await admin.request("PUT", `/api/admin/users/${agentId}/role`, { role: "agent" })).status).toBe(
      200,
    );
    user = await ChatApiClient.signUp(userBase, "Ada");
    userId = (await user.request("GET", "/api/me")).body.user.id;
  });
  afterAll(() => {
    for (const stream of streams) stream.close();
  });

  const rowOf = (chatId: string) => (event: ServerSentEvent) =>
    event.event === "chat" && (event.data as Row).id === chatId;

  test("the live list shows a chat created through the users' gateway, then its answer", async () => {
    const live = await agent.events("/api/admin/console/events");
    streams.push(live);
    await live.waitFor((event) => event.event === "ready");

    const chatId = (await user.request("POST", "/api/chats", { title: "Live one" })).body.id as string;
    const created = (await live.waitFor(rowOf(chatId))).data as Row;
    expect(created).toMatchObject({ title: "Live one", userId, messageCount: 0, activity: "active" });

    expect((await user.request("POST", `/api/chats/${chatId}/messages`, { content: "Hello" })).status).toBe(
      202,
    );
    const answered = await live.waitFor(
      (event) => rowOf(chatId)(event) && (event.data as Row).messageCount === 2,
    );
    expect((answered.data as Row).userEmail).toContain("ada-");
  });

  test("the list pages, filters and sorts; the detail has the answer's metrics", async () => {
    const { chatId } = await user.answeredChat("Measure me");
    streams.push((await user.answeredChat("Second")).events);
    await user.request("POST", `/api/chats/${chatId}/help`, { note: "A person please" });

    const all = await agent.request("GET", `/api/admin/console/chats?userId=${userId}&limit=2&sort=started`);
    expect(all.status).toBe(200);
    expect(all.body.chats).toHaveLength(2);
    expect(all.body.sessionIdleMinutes).toBeGreaterThan(0);
    const next = await agent.request(
      "GET",
      `/api/admin/console/chats?userId=${userId}&limit=2&sort=started&cursor=${all.body.nextCursor}`,
    );
    expect(next.body.chats).toHaveLength(1);
    const started = [...all.body.chats, ...next.body.chats].map((row: Row) => row.createdAt);
    expect(started).toEqual([...started].sort().reverse());

    const needingHelp = await agent.request(
      "GET",
      `/api/admin/console/chats?status=needs_help&userId=${userId}`,
    );
    expect(needingHelp.body.chats.map((row: Row) => row.id)).toEqual([chatId]);
    const byEmail = await agent.request(
      "GET",
      `/api/admin/console/chats?userEmail=${encodeURIComponent((await user.request("GET", "/api/me")).body.user.email)}`,
    );
    expect(byEmail.body.chats).toHaveLength(3);
    const wrongCursor = await agent.request(
      "GET",
      `/api/admin/console/chats?sort=duration&cursor=${all.body.nextCursor}`,
    );
    expect(wrongCursor.status).toBe(400);

    const detail = await agent.request("GET", `/api/admin/console/chats/${chatId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.chat).toMatchObject({ id: chatId, needsHelp: true, sessions: 1 });
    expect(detail.body.messages.map((message: Row) => message.role)).toEqual(["user", "assistant"]);
    expect(detail.body.metrics.answers).toBe(1);
    expect(detail.body.metrics.timeToFirstTokenMs.worst).toBeGreaterThanOrEqual(0);
    expect(detail.body.metrics.outputTokens).toBeGreaterThan(0);
    expect((await agent.request("GET", "/api/admin/console/chats/nosuchchat")).status).toBe(404);

    const totals = await agent.request("GET", "/api/admin/console/totals");
    expect(totals.status).toBe(200);
    expect(totals.body.activeUsers).toBeGreaterThanOrEqual(1);
    expect(totals.body.usageByDay.length).toBeGreaterThan(0);
  });

  test("a user gets 404 on the console; an agent 403 on recipients and deliveries, which an admin edits", async () => {
    for (const path of [
      "/api/admin/console/chats",
      "/api/admin/console/totals",
      "/api/admin/console/events",
      "/api/admin/recipients",
    ]) {
      const answer = await user.request("GET", path);
      expect({ path, status: answer.status, code: answer.body?.error?.code }).toEqual({
        path,
        status: 404,
        code: "ROUTE_NOT_FOUND",
      });
    }
    expect((await agent.request("GET", "/api/admin/recipients")).status).toBe(403);
    expect((await agent.request("GET", "/api/admin/notification-deliveries?status=dead")).status).toBe(403);

    const recipient = {
      name: "On call",
      enabled: true,
      kinds: ["help_request"],
      email: "oncall@example.test",
      webhookUrls: ["https://hooks.example.test/alerts"],
    };
    const put = await admin.request("PUT", "/api/admin/recipients/oncall", recipient);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: "oncall", ...recipient });
    expect((await admin.request("GET", "/api/admin/recipients")).body.recipients).toContainEqual(put.body);
    expect(
      (await admin.request("PUT", "/api/admin/recipients/oncall", { ...recipient, secret: "x" })).status,
    ).toBe(400);
    expect((await admin.request("GET", "/api/admin/notification-deliveries?status=dead")).status).toBe(200);
    expect((await admin.request("DELETE", "/api/admin/recipients/oncall")).body).toEqual({ deleted: true });
    expect((await admin.request("DELETE", "/api/admin/recipients/oncall")).body).toEqual({ deleted: false });
  });
}
