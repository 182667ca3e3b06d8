import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { storeRequest as request, storeUser as user } from "./__fixtures__/store-request.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import { handleStoreRequest } from "./store-request-handler.ts";

describe("handleStoreRequest", () => {
  let store: StoreRepositories;

  beforeEach(async () => {
    store = new SqliteStore({ path: ":memory:" });
    await store.users.createUser(user);
  });

  afterEach(async () => {
    await store.close();
  });

  test("store.check_database answers whether the database answers: yes while open, no once closed", async () => {
    expect(await handleStoreRequest(store, request("store.check_database", {}))).toEqual({ connected: true });
    await store.close();
    expect(await handleStoreRequest(store, request("store.check_database", {}))).toEqual({
      connected: false,
    });
    store = new SqliteStore({ path: ":memory:" });
  });

  test("store.create_chat keeps the system prompt; store.update_chat answers the chat and whether it changed", async () => {
    const created = await handleStoreRequest(
      store,
      request("store.create_chat", {
        userId: "u1",
        chat: {
          id: "c1",
          title: "New chat",
          model: "demo",
          systemPrompt: "Be brief.",
          createdAt: "2025-01-01T00:00:00.000Z",
        },
      }),
    );
    expect(created).toMatchObject({ id: "c1", systemPrompt: "Be brief." });

    const titled = await handleStoreRequest(
      store,
      request("store.update_chat", { chatId: "c1", userId: "u1", title: "Pasta", onlyIfTitle: "New chat" }),
    );
    expect(titled).toMatchObject({ chat: { title: "Pasta", systemPrompt: "Be brief." }, updated: true });

    const late = await handleStoreRequest(
      store,
      request("store.update_chat", { chatId: "c1", userId: "u1", title: "Late", onlyIfTitle: "New chat" }),
    );
    expect(late).toMatchObject({ chat: { title: "Pasta" }, updated: false });

    const cleared = await handleStoreRequest(
      store,
      request("store.update_chat", { chatId: "c1", userId: "u1", model: "gpt-5", systemPrompt: "" }),
    );
    expect(cleared).toStrictEqual({
      chat: {
        id: "c1",
        title: "Pasta",
        model: "gpt-5",
        createdAt: "2025-01-01T00:00:00.000Z",
        lastActivityAt: "2025-01-01T00:00:00.000Z",
        messageCount: 0,
        needsHelp: false,
        assisted: false,
        heldBy: null,
        pinned: false,
        archived: false,
      },
      updated: true,
    });

    expect(
      await handleStoreRequest(
        store,
        request("store.update_chat", { chatId: "c1", userId: "u2", title: "Mine" }),
      ),
    ).toBeNull();
  });

  test("a chat goes only into a project of its user: PROJECT_NOT_FOUND otherwise, and nothing changes", async () => {
    const at = "2025-01-01T00:00:00.000Z";
    const project = (userId: string, id: string) =>
      request("store.create_chat_project", {
        userId,
        project: { id, name: id, instructions: "", createdAt: at },
      });
    await handleStoreRequest(store, project("u1", "mine"));
    await handleStoreRequest(store, project("u2", "theirs"));
    const chat = (id: string, projectId?: string) =>
      request("store.create_chat", {
        userId: "u1",
        chat: { id, title: id, model: "demo", createdAt: at, ...(projectId && { projectId }) },
      });

    expect(await handleStoreRequest(store, chat("c1", "mine"))).toMatchObject({ projectId: "mine" });
    await expect(handleStoreRequest(store, chat("c2", "theirs"))).rejects.toMatchObject({
      code: "PROJECT_NOT_FOUND",
    });
    expect(await store.chats.getChat("c2", "u1")).toBeNull();
    await expect(
      handleStoreRequest(
        store,
        request("store.update_chat", { chatId: "c1", userId: "u1", projectId: "theirs" }),
      ),
    ).rejects.toMatchObject({ code: "PROJECT_NOT_FOUND" });
    expect((await store.chats.getChat("c1", "u1"))?.projectId).toBe("mine");
  });

  test("store.get_chat gives the project's instructions with the chat when asked, and only then", async () => {
    const at = "2025-01-01T00:00:00.000Z";
    await handleStoreRequest(
      store,
      request("store.create_chat_project", {
        userId: "u1",
        project: { id: "garden", name: "Garden", instructions: "Answer as a gardener.", createdAt: at },
      }),
    );
    await handleStoreRequest(
      store,
      request("store.create_chat", {
        userId: "u1",
        chat: { id: "c1", title: "Roses", model: "demo", createdAt: at, projectId: "garden" },
      }),
    );
    await handleStoreRequest(
      store,
      request("store.create_chat", {
        userId: "u1",
        chat: { id: "c2", title: "Loose", model: "demo", createdAt: at },
      }),
    );
    const read = (chatId: string, withProjectInstructions?: boolean) =>
      handleStoreRequest(
        store,
        request("store.get_chat", {
          chatId,
          userId: "u1",
          messageLimit: 0,
          ...(withProjectInstructions !== undefined && { withProjectInstructions }),
        }),
      );

    expect(await read("c1", true)).toMatchObject({ projectInstructions: "Answer as a gardener." });
    expect(await read("c1")).not.toHaveProperty("projectInstructions");
    expect(await read("c2", true)).not.toHaveProperty("projectInstructions");
  });

  test("store.list_chats filters archived chats only when asked: the store's own readers see all", async () => {
    const at = "2025-01-01T00:00:00.000Z";
    for (const id of ["c1", "c2"]) {
      await store.chats.createChat({ id, userId: "u1", title: id, model: "demo", createdAt: at });
    }
    await store.chats.updateChat("c2", "u1", { archived: true });
    const ids = async (archived?: boolean) => {
      const listing = request("store.list_chats", {
        userId: "u1",
        limit: 10,
        ...(archived !== undefined && { archived }),
      });
      const page = (await handleStoreRequest(store, listing)) as { items: Array<{ id: string }> };
      return page.items.map((chat) => chat.id);
    };
    expect(await ids(false)).toEqual(["c1"]);
    expect(await ids(true)).toEqual(["c2"]);
    expect((await ids()).sort()).toEqual(["c1", "c2"]);
  });

  test("store.search_chats answers the repository's page of the user's hits", async () => {
    await store.chats.createChat({
      id: "c1",
      userId: "u1",
      title: "Pasta recipes",
      model: "demo",
      createdAt: "2025-01-01T00:00:00.000Z",
    });
    await store.chats.createChat({
      id: "c2",
      userId: "u1",
      title: "Dinner",
      model: "demo",
      createdAt: "2025-01-01T00:00:01.000Z",
    });
    await store.chats.appendMessage("u1", {
      id: "m1",
      chatId: "c2",
      role: "user",
      content: "Pasta tonight?",
      createdAt: "2025-01-01T00:00:02.000Z",
    });

    const answer = await handleStoreRequest(
      store,
      request("store.search_chats", { userId: "u1", query: "PASTA", limit: 1 }),
    );

    const page = await store.chats.searchChats("u1", "PASTA", { limit: 1 });
    expect(answer).toStrictEqual(page);
    expect(page.items).toMatchObject([{ chat: { id: "c2" }, match: { in: "message", messageId: "m1" } }]);
    const rest = await handleStoreRequest(
      store,
      request("store.search_chats", {
        userId: "u1",
        query: "PASTA",
        cursor: page.nextCursor ?? "",
        limit: 1,
      }),
    );
    expect(rest).toMatchObject({ items: [{ chat: { id: "c1" }, match: { in: "title" } }], nextCursor: null });
  });

  test("store.usage_report answers the user's report", async () => {
    await store.usage.recordUsage({
      id: "r1",
      userId: "u1",
      chatId: null,
      messageId: null,
      purpose: "api",
      model: "gpt-5",
      provider: "openai",
      inputTokens: 3,
      outputTokens: 4,
      costUsd: 0.5,
      timeToFirstTokenMs: null,
      durationMs: 10,
      createdAt: "2025-01-15T00:00:00.000Z",
    });

    const report = await handleStoreRequest(
      store,
      request("store.usage_report", {
        userId: "u1",
        from: "2025-01-01T00:00:00.000Z",
        to: "2025-02-01T00:00:00.000Z",
      }),
    );

    const totals = { inputTokens: 3, outputTokens: 4, costUsd: 0.5, generations: 1 };
    expect(report).toStrictEqual({
      from: "2025-01-01T00:00:00.000Z",
      to: "2025-02-01T00:00:00.000Z",
      total: totals,
      chats: [{ chatId: null, ...totals }],
      models: [{ model: "gpt-5", provider: "openai", ...totals }],
      days: [{ day: "2025-01-15", model: "gpt-5", provider: "openai", ...totals }],
    });
  });

  test("the notification requests keep recipients and move a delivery from the outbox to the dead letters", async () => {
    const recipient = {
      id: "oncall",
      name: "On call",
      enabled: true,
      kinds: ["critical_error" as const],
      webhookUrls: ["https://hooks.example.com/alerts"],
      updatedAt: "2025-01-01T00:00:00.000Z",
    };
    expect(await handleStoreRequest(store, request("store.put_staff_recipient", { recipient }))).toEqual(
      recipient,
    );
    expect(await handleStoreRequest(store, request("store.list_staff_recipients", {}))).toEqual([recipient]);

    const delivery = {
      id: "a1.oncall.webhook.0",
      alertId: "a1",
      kind: "critical_error" as const,
      recipientId: "oncall",
      channel: "webhook" as const,
      address: "https://hooks.example.com/alerts",
      subject: "Critical error",
      text: "text",
      payload: "{}",
      status: "pending" as const,
      attempts: 0,
      nextAttemptAt: "2025-01-01T00:00:00.000Z",
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2025-01-01T00:00:00.000Z",
    };
    expect(
      await handleStoreRequest(
        store,
        request("store.enqueue_notification_deliveries", { deliveries: [delivery, delivery] }),
      ),
    ).toEqual({ created: 1 });
    const claimed = await handleStoreRequest(
      store,
      request("store.claim_notification_deliveries", {
        now: "2025-01-01T00:00:01.000Z",
        leaseUntil: "2025-01-01T00:01:00.000Z",
        limit: 10,
      }),
    );
    expect(claimed).toEqual([{ ...delivery, nextAttemptAt: "2025-01-01T00:01:00.000Z" }]);
    const settlement = {
      status: "dead" as const,
      attempts: 1,
      at: "2025-01-01T00:00:02.000Z",
      lastError: "HTTP 410",
    };
    expect(
      await handleStoreRequest(
        store,
        request("store.settle_notification_delivery", { deliveryId: delivery.id, settlement }),
      ),
    ).toEqual({ settled: true });
    expect(
      await handleStoreRequest(
        store,
        request("store.list_notification_deliveries", { status: "dead", limit: 10 }),
      ),
    ).toEqual({
      items: [
        {
          ...delivery,
          status: "dead",
          attempts: 1,
          lastError: "HTTP 410",
          nextAttemptAt: settlement.at,
          updatedAt: settlement.at,
        },
      ],
      nextCursor: null,
    });
    expect(
      await handleStoreRequest(store, request("store.delete_staff_recipient", { recipientId: "oncall" })),
    ).toEqual({ deleted: true });
  });
});
