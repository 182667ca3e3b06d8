import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { newEnvelope, StoreRequest } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import { handleStoreRequest } from "./store-request-handler.ts";

type Fields<T extends StoreRequest["type"]> = Omit<
  Extract<StoreRequest, { type: T }>,
  "id" | "type" | "v" | "chatId" | "occurredAt" | "traceparent"
> & { chatId?: string };

let requests = 0;

/** A store request as the StoreClient sends it, checked against the schema as the bus checks it. */
function request<T extends StoreRequest["type"]>(type: T, fields: Fields<T>): StoreRequest {
  requests += 1;
  const envelope = newEnvelope(type, fields.chatId ?? "", {
    id: `request-${requests}`,
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    now: new Date("2025-01-01T00:00:00.000Z"),
  });
  const message: unknown = { ...envelope, ...fields };
  if (!Value.Check(StoreRequest, message)) throw new Error(`Not a valid ${type} request`);
  return message;
}

const user = {
  id: "u1",
  email: "ada@example.com",
  name: "Ada",
  role: "user" as const,
  passwordHash: "$argon2id$hash",
  createdAt: "2025-01-01T00:00:00.000Z",
};

describe("handleStoreRequest", () => {
  let store: StoreRepositories;

  beforeEach(async () => {
    store = new SqliteStore({ path: ":memory:" });
    await store.users.createUser(user);
  });

  afterEach(async () => {
    await store.close();
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

  test("answers the API key requests", async () => {
    const apiKey = {
      id: "k1",
      name: "CLI",
      prefix: "sk-abc",
      hash: "hash-1",
      createdAt: "2025-01-02T00:00:00.000Z",
    };
    const listed = { id: "k1", name: "CLI", prefix: "sk-abc", createdAt: apiKey.createdAt, lastUsedAt: null };

    expect(
      await handleStoreRequest(store, request("store.create_api_key", { userId: "u1", apiKey })),
    ).toStrictEqual(listed);
    expect(await handleStoreRequest(store, request("store.list_api_keys", { userId: "u1" }))).toStrictEqual([
      listed,
    ]);
    expect(
      await handleStoreRequest(
        store,
        request("store.find_api_key", { hash: "hash-1", usedAt: "2025-01-03T00:00:00.000Z" }),
      ),
    ).toStrictEqual({ apiKey: { ...listed, lastUsedAt: "2025-01-03T00:00:00.000Z" }, user });
    expect(
      await handleStoreRequest(store, request("store.delete_api_key", { userId: "u2", keyId: "k1" })),
    ).toStrictEqual({ deleted: false });
    expect(
      await handleStoreRequest(store, request("store.delete_api_key", { userId: "u1", keyId: "k1" })),
    ).toStrictEqual({ deleted: true });
    expect(
      await handleStoreRequest(
        store,
        request("store.find_api_key", { hash: "hash-1", usedAt: "2025-01-04T00:00:00.000Z" }),
      ),
    ).toBeNull();
  });

  test("store.create_user answers the stored user; adminIfFirst makes only the first one admin", async () => {
    const grace = { ...user, id: "u2", email: "grace@example.com", name: "Grace" };
    expect(
      await handleStoreRequest(store, request("store.create_user", { user: grace, adminIfFirst: true })),
    ).toStrictEqual(grace);

    const empty = new SqliteStore({ path: ":memory:" });
    expect(
      await handleStoreRequest(empty, request("store.create_user", { user: grace, adminIfFirst: true })),
    ).toStrictEqual({ ...grace, role: "admin" });
    await empty.close();
  });

  test("store.find_or_create_external_user creates once, then finds", async () => {
    const identity = { issuer: "https://idp.example.com/", subject: "ada" };
    const external = {
      id: "x1",
      email: "ada@idp.example.com",
      name: "Ada",
      role: "user" as const,
      createdAt: user.createdAt,
    };
    const created = await handleStoreRequest(
      store,
      request("store.find_or_create_external_user", { identity, user: external }),
    );
    expect(created).toStrictEqual({ ...external, passwordHash: "" });
    expect(
      await handleStoreRequest(
        store,
        request("store.find_or_create_external_user", { identity, user: { ...external, id: "x2" } }),
      ),
    ).toStrictEqual(created);
  });

  test("answers the refresh-token requests: start, rotate, reuse, revoke", async () => {
    const token = {
      hash: "h1",
      familyId: "f1",
      userId: "u1",
      createdAt: "2100-01-01T00:00:00.000Z",
      expiresAt: "2100-01-31T00:00:00.000Z",
    };
    const successor = (hash: string) => ({
      hash,
      createdAt: "2100-01-02T00:00:00.000Z",
      expiresAt: "2100-02-01T00:00:00.000Z",
    });
    expect(await handleStoreRequest(store, request("store.start_refresh_family", { token }))).toBeNull();
    expect(
      await handleStoreRequest(
        store,
        request("store.rotate_refresh_token", { hash: "h1", successor: successor("h2") }),
      ),
    ).toStrictEqual({ outcome: "rotated", user, familyId: "f1" });
    expect(
      await handleStoreRequest(
        store,
        request("store.rotate_refresh_token", { hash: "h1", successor: successor("h3") }),
      ),
    ).toStrictEqual({ outcome: "reused", familyId: "f1" });
    expect(
      await handleStoreRequest(
        store,
        request("store.revoke_refresh_family", { hash: "h2", revokedAt: "2100-01-03T00:00:00.000Z" }),
      ),
    ).toStrictEqual({ familyId: "f1" });
    expect(
      await handleStoreRequest(
        store,
        request("store.revoke_refresh_family", { hash: "nope", revokedAt: "2100-01-03T00:00:00.000Z" }),
      ),
    ).toStrictEqual({ familyId: null });
    for (const [userId, revoked] of [
      ["u2", false],
      ["u1", true],
    ] as const) {
      expect(
        await handleStoreRequest(
          store,
          request("store.revoke_refresh_family_by_id", {
            familyId: "f1",
            userId,
            revokedAt: "2025-01-03T00:00:00.000Z",
          }),
        ),
      ).toStrictEqual({ revoked });
    }
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
    });
  });
});
