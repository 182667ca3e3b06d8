import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { attachmentObjectKeys } from "@chat/storage";
import { storeRequest as request, storeUser as user } from "./__fixtures__/store-request.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import { handleStoreRequest } from "./store-request-handler.ts";

describe("handleStoreRequest: accounts and credentials", () => {
  let store: StoreRepositories;

  beforeEach(async () => {
    store = new SqliteStore({ path: ":memory:" });
    await store.users.createUser(user);
  });

  afterEach(async () => {
    await store.close();
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

  test("erases an account: its chats, files, keys, sign-ins and usage, and then the user; nobody else's", async () => {
    const other = { ...user, id: "u2", email: "grace@example.com" };
    await store.users.createUser(other);
    const deletedObjects: string[] = [];
    const context = {
      adminEmails: { roleOf: (stored: { role: "user" | "agent" | "admin" }) => stored.role },
      storage: { delete: async (key: string) => void deletedObjects.push(key) },
    };
    const at = "2025-01-02T00:00:00.000Z";
    for (const [chatId, userId] of [
      ["c1", "u1"],
      ["c2", "u1"],
      ["c3", "u2"],
    ] as const) {
      await store.chats.createChat({ id: chatId, userId, title: chatId, model: "demo", createdAt: at });
    }
    for (const [id, userId, chatId] of [
      ["a1", "u1", "c1"],
      ["a2", "u1", null],
      ["a3", "u2", "c3"],
    ] as const) {
      const file = {
        id,
        userId,
        chatId: null,
        name: `${id}.txt`,
        kind: "text" as const,
        mediaType: "text/plain",
      };
      await store.attachments.createAttachment(
        { ...file, size: 1, storageKey: `k-${id}`, createdAt: at },
        100,
      );
      if (chatId) await store.attachments.attachToChat(userId, chatId, [id]);
    }
    const key = { id: "k1", name: "CLI", prefix: "sk-abc", hash: "hash-1", createdAt: at };
    await store.credentials.createApiKey("u1", key);
    for (const [id, userId] of [
      ["p1", "u1"],
      ["p2", "u2"],
    ] as const) {
      await store.chatProjects.createProject({ id, userId, name: id, instructions: "", createdAt: at });
    }
    // An archived chat is erased too.
    await store.chats.updateChat("c2", "u1", { archived: true, projectId: "p1" });

    const result = await handleStoreRequest(store, request("store.erase_user", { userId: "u1" }), context);

    expect(result).toStrictEqual({ chats: 2, files: 1, erased: true });
    expect(deletedObjects.sort()).toEqual(
      [...attachmentObjectKeys("k-a1"), ...attachmentObjectKeys("k-a2")].sort(),
    );
    expect(await store.users.findUserById("u1")).toBeNull();
    expect((await store.chats.listChats("u1", { limit: 10 })).items).toEqual([]);
    expect(await store.credentials.listApiKeys("u1")).toEqual([]);
    expect(await store.chatProjects.listProjects("u1")).toEqual([]);
    expect((await store.chatProjects.listProjects("u2")).map((project) => project.id)).toEqual(["p2"]);
    expect((await store.chats.listChats("u2", { limit: 10 })).items.map((chat) => chat.id)).toEqual(["c3"]);
    expect(await store.attachments.findAttachment("u2", "a3")).toBeDefined();
    expect(
      await handleStoreRequest(store, request("store.erase_user", { userId: "u1" }), context),
    ).toStrictEqual({ chats: 0, files: 0, erased: false });
  });

  test("preparing a deletion refuses the last admin and answers ready for anyone else", async () => {
    await store.users.changeRole("u1", "admin");
    await expect(
      handleStoreRequest(store, request("store.prepare_account_deletion", { userId: "u1" })),
    ).rejects.toMatchObject({ code: "LAST_ADMIN" });
    await store.users.createUser({ ...user, id: "u2", email: "grace@example.com" });
    expect(
      await handleStoreRequest(store, request("store.prepare_account_deletion", { userId: "u2" })),
    ).toStrictEqual({ ready: true });
  });
});
