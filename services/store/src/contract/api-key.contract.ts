import { beforeEach, describe, expect, test } from "bun:test";
import { ApiKey } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import {
  at,
  expectAppError,
  type MakeStore,
  storedApiKey,
  storedUser,
  storePerTest,
} from "./store-fixtures.ts";

/** The CredentialRepository: API keys part of the store contract, run against the adapter that `make` opens. */
export function apiKeyContract(name: string, make: MakeStore): void {
  describe(`${name} (CredentialRepository: API keys contract)`, () => {
    const store = storePerTest(make);

    describe("API keys", () => {
      beforeEach(async () => {
        await store.users.createUser(storedUser("u1", "ada@example.com"));
        await store.users.createUser(storedUser("u2", "grace@example.com"));
      });

      test("a created key has no lastUsedAt, and a user's keys are listed newest first without hashes", async () => {
        const created = await store.credentials.createApiKey("u1", storedApiKey("k1", "hash-1", 10));
        await store.credentials.createApiKey("u1", storedApiKey("k2", "hash-2", 30));
        await store.credentials.createApiKey("u1", storedApiKey("k3", "hash-3", 20));
        await store.credentials.createApiKey("u2", storedApiKey("k4", "hash-4", 40));

        expect(created).toStrictEqual({
          id: "k1",
          name: "Key k1",
          prefix: "sk-k1",
          createdAt: at(10),
          lastUsedAt: null,
        });
        const keys = await store.credentials.listApiKeys("u1");
        expect(keys.map((key) => key.id)).toEqual(["k2", "k3", "k1"]);
        expect(keys[2]).toStrictEqual(created);
        expect(keys.every((key) => Value.Check(ApiKey, key) && !("hash" in key))).toBe(true);
        expect((await store.credentials.listApiKeys("u2")).map((key) => key.id)).toEqual(["k4"]);
        expect(await store.credentials.listApiKeys("nobody")).toEqual([]);
      });

      test("creating the same key again returns it; another key's id or hash is refused", async () => {
        const first = await store.credentials.createApiKey("u1", storedApiKey("k1", "hash-1", 10));

        expect(await store.credentials.createApiKey("u1", storedApiKey("k1", "hash-1", 10))).toStrictEqual(
          first,
        );
        await expectAppError(
          store.credentials.createApiKey("u2", storedApiKey("k1", "hash-2", 20)),
          "VALIDATION_FAILED",
        );
        await expectAppError(
          store.credentials.createApiKey("u1", storedApiKey("k1", "hash-3", 20)),
          "VALIDATION_FAILED",
        );
        await expectAppError(
          store.credentials.createApiKey("u2", storedApiKey("k2", "hash-1", 20)),
          "VALIDATION_FAILED",
        );

        expect(await store.credentials.listApiKeys("u1")).toStrictEqual([first]);
        expect(await store.credentials.listApiKeys("u2")).toEqual([]);
        expect((await store.credentials.findApiKeyByHash("hash-1", at(50)))?.apiKey.id).toBe("k1");
        expect(await store.credentials.findApiKeyByHash("hash-2", at(50))).toBeNull();
        expect(await store.credentials.findApiKeyByHash("hash-3", at(50))).toBeNull();
      });

      test("a key found by its hash comes with its owner, and its lastUsedAt only moves forward", async () => {
        await store.credentials.createApiKey("u1", storedApiKey("k1", "hash-1", 10));
        await store.credentials.createApiKey("u1", storedApiKey("k2", "hash-2", 20));

        const found = await store.credentials.findApiKeyByHash("hash-1", at(100));

        expect(found).toStrictEqual({
          apiKey: { id: "k1", name: "Key k1", prefix: "sk-k1", createdAt: at(10), lastUsedAt: at(100) },
          user: storedUser("u1", "ada@example.com"),
        });
        expect(found && "hash" in found.apiKey).toBe(false);
        expect((await store.credentials.listApiKeys("u1")).map((key) => [key.id, key.lastUsedAt])).toEqual([
          ["k2", null],
          ["k1", at(100)],
        ]);

        expect((await store.credentials.findApiKeyByHash("hash-1", at(50)))?.apiKey.lastUsedAt).toBe(at(100));
        expect(
          (await store.credentials.findApiKeyByHash("hash-1", "2025-01-01T02:03:20+02:00"))?.apiKey
            .lastUsedAt,
        ).toBe(at(200));
        expect((await store.credentials.listApiKeys("u1"))[1]?.lastUsedAt).toBe(at(200));
        expect(await store.credentials.findApiKeyByHash("unknown-hash", at(300))).toBeNull();
      });

      test("a key whose owner does not exist is not found", async () => {
        await store.credentials.createApiKey("ghost", storedApiKey("k1", "hash-1", 10));

        expect(await store.credentials.findApiKeyByHash("hash-1", at(100))).toBeNull();
      });

      test("only its owner deletes a key, and a deleted key is not found at once", async () => {
        await store.credentials.createApiKey("u1", storedApiKey("k1", "hash-1", 10));
        await store.credentials.createApiKey("u1", storedApiKey("k2", "hash-2", 20));

        expect(await store.credentials.deleteApiKey("u2", "k1")).toBe(false);
        expect(await store.credentials.deleteApiKey("u1", "missing")).toBe(false);
        expect((await store.credentials.findApiKeyByHash("hash-1", at(30)))?.user.id).toBe("u1");

        expect(await store.credentials.deleteApiKey("u1", "k1")).toBe(true);

        expect(await store.credentials.findApiKeyByHash("hash-1", at(40))).toBeNull();
        expect((await store.credentials.listApiKeys("u1")).map((key) => key.id)).toEqual(["k2"]);
        expect(await store.credentials.deleteApiKey("u1", "k1")).toBe(false);
        expect((await store.credentials.findApiKeyByHash("hash-2", at(40)))?.apiKey.id).toBe("k2");
      });
    });
  });
}
