import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { AdminEmails } from "@chat/contracts";
import { storeRequest as request, storeUser as user } from "./__fixtures__/store-request.ts";
import { expectAppError } from "./contract/store-fixtures.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import { handleStoreRequest } from "./store-request-handler.ts";

const admin = { ...user, id: "a1", email: "root@example.com", role: "admin" as const };
const listed = { ...user, id: "l1", email: "listed@example.com" };
const context = { adminEmails: new AdminEmails("listed@example.com") };
const at = "2025-01-02T00:00:00.000Z";

describe("handleStoreRequest: roles and the audit log", () => {
  let store: StoreRepositories;

  beforeEach(async () => {
    store = new SqliteStore({ path: ":memory:" });
    for (const account of [admin, user, listed]) await store.users.createUser(account);
  });

  afterEach(async () => {
    await store.close();
  });

  const setRole = (
    actor: { id: string; email: string; role: "admin" | "agent" },
    userId: string,
    role: "user" | "agent" | "admin",
    auditEntryId: string = crypto.randomUUID(),
  ) =>
    handleStoreRequest(
      store,
      request("store.set_user_role", { actor, userId, role, auditEntryId, at }),
      context,
    );

  test("an admin's role change is stored and logged once, under the entry id the request names", async () => {
    const reply = await setRole({ id: "a1", email: admin.email, role: "admin" }, "u1", "agent", "e1");

    expect(reply).toStrictEqual({
      user: { id: "u1", email: user.email, name: user.name, role: "agent", createdAt: user.createdAt },
      previousRole: "user",
      changed: true,
    });
    // A redelivered request logs nothing twice; a change to the same role logs nothing at all.
    await setRole({ id: "a1", email: admin.email, role: "admin" }, "u1", "agent", "e1");
    expect(
      await handleStoreRequest(store, request("store.list_audit_log", { limit: 10 }), context),
    ).toStrictEqual({
      items: [
        {
          id: "e1",
          actor: { id: "a1", email: admin.email },
          action: "role_changed",
          chatId: null,
          details: { userId: "u1", from: "user", to: "agent" },
          at,
        },
      ],
      nextCursor: null,
    });
  });

  test("the store checks the actor again: a message claiming admin for a user or agent is FORBIDDEN", async () => {
    await setRole({ id: "a1", email: admin.email, role: "admin" }, "u1", "agent");

    // u1 is an agent in the store: claiming admin, or acting as agent, does not change roles.
    await expectAppError(setRole({ id: "u1", email: user.email, role: "admin" }, "u1", "admin"), "FORBIDDEN");
    await expectAppError(setRole({ id: "u1", email: user.email, role: "agent" }, "u1", "admin"), "FORBIDDEN");
    await expectAppError(
      setRole({ id: "ghost", email: "g@example.com", role: "admin" }, "u1", "admin"),
      "FORBIDDEN",
    );
    expect((await store.users.findUserById("u1"))?.role).toBe("agent");
  });

  test("an ADMIN_EMAILS admin is an admin to the store too", async () => {
    const reply = await setRole({ id: "l1", email: listed.email, role: "admin" }, "u1", "agent");

    expect(reply).toMatchObject({ user: { role: "agent" }, changed: true });
  });

  test("the last admin is LAST_ADMIN, an unknown user USER_NOT_FOUND; neither is logged", async () => {
    await expectAppError(
      setRole({ id: "a1", email: admin.email, role: "admin" }, "a1", "user"),
      "LAST_ADMIN",
    );
    await expectAppError(
      setRole({ id: "a1", email: admin.email, role: "admin" }, "nobody", "agent"),
      "USER_NOT_FOUND",
    );

    expect(await store.auditLog.list({}, { limit: 10 })).toStrictEqual({ items: [], nextCursor: null });
  });

  test("lists users without their password hashes, and the audit log by chat (the envelope's chatId)", async () => {
    const page = await handleStoreRequest(store, request("store.list_users", { limit: 2 }), context);

    expect(page).toMatchObject({ items: [{ id: "a1" }, { id: "l1" }] });
    expect(JSON.stringify(page)).not.toContain("argon2");
    await store.auditLog.append({
      id: "e9",
      actor: { id: "a1", email: admin.email },
      action: "role_changed",
      chatId: "c1",
      details: {},
      at,
    });
    await setRole({ id: "a1", email: admin.email, role: "admin" }, "u1", "agent");
    const ofChat = await handleStoreRequest(
      store,
      request("store.list_audit_log", { chatId: "c1", limit: 10 }),
      context,
    );
    expect(ofChat).toMatchObject({ items: [{ id: "e9" }], nextCursor: null });
  });
});
