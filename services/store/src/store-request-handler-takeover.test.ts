import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { storeRequest as request, storeUser as user } from "./__fixtures__/store-request.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import { handleStoreRequest } from "./store-request-handler.ts";

const at = "2025-01-02T00:00:00.000Z";

describe("handleStoreRequest: help requests and takeover", () => {
  let store: StoreRepositories;

  beforeEach(async () => {
    store = new SqliteStore({ path: ":memory:" });
    await store.users.createUser(user);
    await store.chats.createChat({ id: "c1", userId: user.id, title: "Help", model: "demo", createdAt: at });
    await store.chats.appendMessage(user.id, {
      id: "m1",
      chatId: "c1",
      role: "user",
      content: "Hello",
      createdAt: at,
    });
  });

  afterEach(async () => {
    await store.close();
  });

  test("store.get_any_chat answers any user's chat with its owner, for staff; an unknown one is null", async () => {
    const found = await handleStoreRequest(
      store,
      request("store.get_any_chat", { chatId: "c1", messageLimit: 10 }),
    );
    expect(found).toMatchObject({
      userId: user.id,
      chat: { id: "c1", messageCount: 1 },
      hasOlderMessages: false,
    });
    expect((found as { messages: unknown[] }).messages).toHaveLength(1);
    expect(
      await handleStoreRequest(store, request("store.get_any_chat", { chatId: "c9", messageLimit: 0 })),
    ).toBeNull();
  });

  test("store.mark_chat sets the marks for the owner only; assisted stays", async () => {
    const hold = { agentId: "a1", name: "Grace", since: at, expiresAt: at };
    const marked = await handleStoreRequest(
      store,
      request("store.mark_chat", {
        chatId: "c1",
        userId: user.id,
        needsHelp: false,
        assisted: true,
        heldBy: hold,
      }),
    );
    expect(marked).toMatchObject({ assisted: true, needsHelp: false, heldBy: hold });
    const released = await handleStoreRequest(
      store,
      request("store.mark_chat", { chatId: "c1", userId: user.id, heldBy: null }),
    );
    expect(released).toMatchObject({ assisted: true, heldBy: null });
    expect(
      await handleStoreRequest(
        store,
        request("store.mark_chat", { chatId: "c1", userId: "u9", needsHelp: true }),
      ),
    ).toBeNull();
  });

  test("store.append_audit_entry logs a staff action once by its id", async () => {
    const entry = {
      id: "e1",
      actor: { id: "a1", email: "grace@example.com" },
      action: "chat_taken_over" as const,
      chatId: "c1",
      details: { userId: user.id },
      at,
    };
    await handleStoreRequest(store, request("store.append_audit_entry", { entry }));
    await handleStoreRequest(store, request("store.append_audit_entry", { entry }));
    expect((await store.auditLog.list({ chatId: "c1" }, { limit: 10 })).items).toEqual([entry]);
  });
});
