import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

const noSuchRoute = { error: { code: "ROUTE_NOT_FOUND", message: "No such route" } };

describe("/api/admin: roles enforced, role management, the audit log", () => {
  let server: EmbeddedServer;
  let admin: ChatApiClient;
  let adminId: string;

  beforeAll(async () => {
    server = await startEmbeddedServer({ DEMO_TOKENS_PER_SECOND: "0" });
    // The first account of all is admin.
    admin = await ChatApiClient.signUp(server.baseUrl, "Root");
    adminId = (await admin.request("GET", "/api/me")).body.user.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function newUser(name: string): Promise<{ client: ChatApiClient; id: string }> {
    const client = await ChatApiClient.signUp(server.baseUrl, name);
    return { client, id: (await client.request("GET", "/api/me")).body.user.id };
  }

  const setRole = (by: ChatApiClient, userId: string, role: unknown) =>
    by.request("PUT", `/api/admin/users/${userId}/role`, { role });

  test("the first account is admin: it lists users with their roles", async () => {
    const { id } = await newUser("Listed");
    const page = await admin.request("GET", "/api/admin/users?limit=100");

    expect(page.status).toBe(200);
    expect(page.body.users).toContainEqual(expect.objectContaining({ id: adminId, role: "admin" }));
    expect(page.body.users).toContainEqual(expect.objectContaining({ id, role: "user" }));
    expect(JSON.stringify(page.body)).not.toContain("argon2");
  });

  test("a user gets the 404 of a route that does not exist on every admin route, malformed requests too", async () => {
    const { client, id } = await newUser("Plain");
    const unknownRoute = await client.request("GET", "/api/admin/nothing-here");

    for (const answer of [
      await client.request("GET", "/api/admin/users"),
      await client.request("GET", "/api/admin/users?limit=nope"),
      await client.request("GET", "/api/admin/audit-log"),
      await setRole(client, id, "admin"),
      await setRole(client, id, "emperor"),
      await client.request("PUT", `/api/admin/users/${id}/role`, { role: "admin", extra: true }),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual(unknownRoute.body);
      expect(answer.body).toEqual(noSuchRoute);
    }
    const anonymous = new ChatApiClient(server.baseUrl);
    expect((await anonymous.request("GET", "/api/admin/users")).status).toBe(401);
  });

  test("an agent lists users but gets 403 on admin-only routes; a revoked agent gets 404 at once", async () => {
    const { client: agent, id } = await newUser("Agent");
    expect((await setRole(admin, id, "agent")).body).toMatchObject({
      user: { id, role: "agent" },
      previousRole: "user",
      changed: true,
    });

    // The agent's access token still says "user": the role it has now counts.
    expect((await agent.request("GET", "/api/admin/users")).status).toBe(200);
    const forbidden = await agent.request("GET", "/api/admin/audit-log");
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe("FORBIDDEN");
    expect((await setRole(agent, id, "admin")).status).toBe(403);

    expect((await setRole(admin, id, "user")).status).toBe(200);
    expect(await agent.request("GET", "/api/admin/users")).toMatchObject({ status: 404, body: noSuchRoute });
  });

  test("an admin made by an admin can act at once; the role change is in the audit log, newest first", async () => {
    const { client: second, id } = await newUser("Second");
    const { id: target } = await newUser("Target");
    await setRole(admin, id, "admin");

    expect((await setRole(second, target, "agent")).status).toBe(200);
    const log = await admin.request("GET", `/api/admin/audit-log?actorId=${id}`);
    expect(log.status).toBe(200);
    expect(log.body.entries).toEqual([
      {
        id: expect.any(String),
        actor: { id, email: expect.stringContaining("second-") },
        action: "role_changed",
        chatId: null,
        details: { userId: target, from: "user", to: "agent" },
        at: expect.any(String),
      },
    ]);
    const all = await admin.request("GET", "/api/admin/audit-log?action=role_changed&limit=2");
    expect(all.body.entries[0].details).toEqual({ userId: target, from: "user", to: "agent" });
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const none = await admin.request("GET", "/api/admin/audit-log?chatId=nochat");
    expect(none.body).toEqual({ entries: [], nextCursor: null });
    await setRole(admin, id, "user");
  });

  test("the last admin cannot be demoted: 409 LAST_ADMIN; unknown users 404 USER_NOT_FOUND", async () => {
    const last = await setRole(admin, adminId, "user");
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe("LAST_ADMIN");
    expect((await admin.request("GET", "/api/admin/users")).status).toBe(200);

    const unknown = await setRole(admin, "nobody-here", "agent");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("USER_NOT_FOUND");
  });

  test("an admin's malformed request is a typed 400", async () => {
    for (const answer of [
      await setRole(admin, adminId, "emperor"),
      await admin.request("PUT", `/api/admin/users/${adminId}/role`, {}),
      await admin.request("PUT", `/api/admin/users/${adminId}/role`, { role: "admin", extra: 1 }),
      await admin.request("GET", "/api/admin/users?limit=0"),
      await admin.request("GET", "/api/admin/audit-log?action=everything"),
      await admin.request("GET", "/api/admin/audit-log?cursor=garbage"),
    ]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    }
    const notJson = await admin.request("PUT", `/api/admin/users/${adminId}/role`, "{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("MALFORMED_JSON");
  });

  test("over the WebSocket: set_user_role works for an admin, is 404 for a user and 403 for an agent", async () => {
    const { client: plain, id: plainId } = await newUser("SocketUser");
    const { client: agent, id: agentId } = await newUser("SocketAgent");
    await setRole(admin, agentId, "agent");
    const ask = async (client: ChatApiClient, frame: Record<string, unknown>) => {
      const socket = await client.socket();
      try {
        socket.send({ ...frame, requestId: "r1" });
        return await socket.waitFor((answer) => answer.requestId === "r1", 10_000);
      } finally {
        socket.close();
      }
    };

    const frame = { type: "set_user_role", userId: plainId, role: "agent" };
    expect(await ask(plain, frame)).toMatchObject({ type: "error", code: "ROUTE_NOT_FOUND" });
    expect(await ask(agent, frame)).toMatchObject({ type: "error", code: "FORBIDDEN" });
    expect(await ask(admin, frame)).toMatchObject({
      type: "user_role_set",
      user: { id: plainId, role: "agent" },
      previousRole: "user",
      changed: true,
    });
    expect(await ask(admin, { type: "set_user_role", userId: adminId, role: "user" })).toMatchObject({
      type: "error",
      code: "LAST_ADMIN",
    });
  });
});
