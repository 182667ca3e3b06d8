import { beforeEach, describe, expect, test } from "bun:test";
import { attachment } from "./attachment-repository.contract.ts";
import { delivery, recipient } from "./notification-repository.contract.ts";
import {
  at,
  expectAppError,
  type MakeStore,
  newChat,
  storedApiKey,
  storedUser,
  storePerTest,
  usageRecord,
} from "./store-fixtures.ts";

/**
 * The account part of the store contract: a user's profile and password, signing out everywhere,
 * and what deleting an account or a retention sweep asks of each aggregate.
 */
export function accountDataContract(name: string, make: MakeStore): void {
  describe(`${name} (account data contract)`, () => {
    const store = storePerTest(make);
    // Refresh tokens live in the future: a real mongod's TTL monitor deletes expired ones.
    const tokenTime = (seconds: number) => new Date(Date.UTC(2100, 0, 1) + seconds * 1_000).toISOString();
    const signIn = (hash: string, familyId: string, userId: string) => ({
      hash,
      familyId,
      userId,
      createdAt: tokenTime(0),
      expiresAt: tokenTime(86_400),
    });

    beforeEach(async () => {
      await store.users.createUser(storedUser("u1", "ada@example.com"));
      await store.users.createUser(storedUser("u2", "grace@example.com"));
    });

    test("renaming a user stores the name and answers the user; an unknown user is null", async () => {
      const renamed = await store.users.renameUser("u1", "Ada King");
      expect(renamed?.name).toBe("Ada King");
      expect((await store.users.findUserById("u1"))?.name).toBe("Ada King");
      expect((await store.users.findUserById("u2"))?.name).toBe("User u2");
      expect(await store.users.renameUser("nobody", "X")).toBeNull();
    });

    test("a new password hash replaces a local user's; an external user has none to change", async () => {
      expect(await store.users.changePasswordHash("u1", "$argon2id$new")).toBe(true);
      expect((await store.users.findUserById("u1"))?.passwordHash).toBe("$argon2id$new");
      expect((await store.users.findUserById("u2"))?.passwordHash).toBe("$argon2id$hash");

      const external = await store.users.findOrCreateExternalUser(
        { issuer: "https://id.example.com", subject: "s1" },
        { id: "u3", email: "ext@example.com", name: "Ext", role: "user", createdAt: at(1) },
      );
      expect(await store.users.changePasswordHash(external.id, "$argon2id$new")).toBe(false);
      expect(await store.users.changePasswordHash("nobody", "$argon2id$new")).toBe(false);
    });

    test("preparing a deletion demotes an admin, refuses the last admin, leaves a user as is", async () => {
      await store.users.changeRole("u1", "admin");
      await expectAppError(store.users.prepareDeletion("u1"), "LAST_ADMIN");
      expect((await store.users.findUserById("u1"))?.role).toBe("admin");

      await store.users.changeRole("u2", "admin");
      await store.users.prepareDeletion("u1");
      expect((await store.users.findUserById("u1"))?.role).toBe("user");
      await store.users.prepareDeletion("u1");
      expect((await store.users.findUserById("u1"))?.role).toBe("user");
      await expectAppError(store.users.prepareDeletion("nobody"), "USER_NOT_FOUND");
    });

    test("a deleted user is gone by id and email, and the email can be registered again", async () => {
      expect(await store.users.deleteUser("u1")).toBe(true);
      expect(await store.users.deleteUser("u1")).toBe(false);
      expect(await store.users.findUserById("u1")).toBeNull();
      expect(await store.users.findUserByEmail("ada@example.com")).toBeNull();
      expect(await store.users.countUsers()).toBe(1);
      await store.users.createUser(storedUser("u9", "ada@example.com"));
      expect((await store.users.findUserByEmail("ada@example.com"))?.id).toBe("u9");
    });

    test("signing out everywhere revokes each open family of the user once, but the one kept", async () => {
      await store.credentials.startRefreshFamily(signIn("h1", "f1", "u1"));
      await store.credentials.startRefreshFamily(signIn("h2", "f2", "u1"));
      await store.credentials.startRefreshFamily(signIn("h3", "f3", "u1"));
      await store.credentials.startRefreshFamily(signIn("h4", "f4", "u2"));
      await store.credentials.revokeRefreshFamilyById("f3", "u1", tokenTime(5));

      const revoked = await store.credentials.revokeUserRefreshFamilies("u1", tokenTime(10), "f2");
      expect(revoked.sort()).toEqual(["f1"]);
      const next = (hash: string) => ({ hash, createdAt: tokenTime(20), expiresAt: tokenTime(90_000) });
      expect((await store.credentials.rotateRefreshToken("h1", next("h1b"))).outcome).toBe("revoked");
      expect((await store.credentials.rotateRefreshToken("h2", next("h2b"))).outcome).toBe("rotated");
      expect((await store.credentials.rotateRefreshToken("h4", next("h4b"))).outcome).toBe("rotated");

      expect((await store.credentials.revokeUserRefreshFamilies("u1", tokenTime(30))).sort()).toEqual(["f2"]);
      expect(await store.credentials.revokeUserRefreshFamilies("u1", tokenTime(40))).toEqual([]);
    });

    test("erasing a user's credentials deletes their keys and sign-ins, nobody else's", async () => {
      await store.credentials.createApiKey("u1", storedApiKey("k1", "hash-1", 1));
      await store.credentials.createApiKey("u2", storedApiKey("k2", "hash-2", 1));
      await store.credentials.startRefreshFamily(signIn("h1", "f1", "u1"));
      await store.credentials.startRefreshFamily(signIn("h2", "f2", "u2"));

      await store.credentials.eraseUserCredentials("u1");

      expect(await store.credentials.listApiKeys("u1")).toEqual([]);
      expect(await store.credentials.findApiKeyByHash("hash-1", at(5))).toBeNull();
      expect((await store.credentials.listApiKeys("u2")).map((key) => key.id)).toEqual(["k2"]);
      const next = (hash: string) => ({ hash, createdAt: tokenTime(20), expiresAt: tokenTime(90_000) });
      expect((await store.credentials.rotateRefreshToken("h1", next("h1b"))).outcome).toBe("unknown");
      expect((await store.credentials.rotateRefreshToken("h2", next("h2b"))).outcome).toBe("rotated");
    });

    test("erasing a user's usage deletes only their records", async () => {
      await store.usage.recordUsage(usageRecord("r1"));
      await store.usage.recordUsage(usageRecord("r2"));
      await store.usage.recordUsage(usageRecord("r3", { userId: "u2", chatId: "c2" }));

      expect(await store.usage.eraseUserUsage("u1")).toBe(2);
      expect((await store.usage.usageReport("u1", at(0), at(100))).total.generations).toBe(0);
      expect((await store.usage.usageReport("u2", at(0), at(100))).total.generations).toBe(1);
    });

    test("a user's owned attachments are listed whether sent in a chat or not", async () => {
      await store.chats.createChat(newChat("c1", "u1", 1));
      await store.attachments.createAttachment(attachment("a1", "u1", 10), 1_000);
      await store.attachments.createAttachment(attachment("a2", "u1", 10), 1_000);
      await store.attachments.createAttachment(attachment("a3", "u2", 10), 1_000);
      await store.attachments.attachToChat("u1", "c1", ["a1"]);

      const owned = await store.attachments.ownedAttachments("u1");
      expect(owned.map((item) => item.id).sort()).toEqual(["a1", "a2"]);
      expect(await store.attachments.ownedAttachments("nobody")).toEqual([]);
    });

    test("erasing a user's deliveries deletes those whose alert names them, in any status", async () => {
      await store.notifications.putRecipient(recipient("r1"));
      const about = (userId: string) => JSON.stringify({ type: "staff_alert", userId, summary: "help" });
      await store.notifications.enqueueDeliveries([
        delivery("d1", { payload: about("u1") }),
        delivery("d2", { payload: about("u1"), status: "dead" }),
        delivery("d3", { payload: about("u2") }),
        delivery("d4", { payload: about("u10") }),
        delivery("d5"),
      ]);

      expect(await store.notifications.eraseUserDeliveries("u1")).toBe(2);
      const left = await store.notifications.listDeliveries(undefined, { limit: 10 });
      expect(left.items.map((item) => item.id).sort()).toEqual(["d3", "d4", "d5"]);
    });

    test("inactive chats of every user are listed, the longest idle first, up to the limit", async () => {
      await store.chats.createChat(newChat("c1", "u1", 30));
      await store.chats.createChat(newChat("c2", "u2", 10));
      await store.chats.createChat(newChat("c3", "u1", 20));
      await store.chats.createChat(newChat("c4", "u2", 100));

      expect(await store.chats.listInactiveChats(at(50), 10)).toEqual([
        { chatId: "c2", userId: "u2" },
        { chatId: "c3", userId: "u1" },
        { chatId: "c1", userId: "u1" },
      ]);
      expect(await store.chats.listInactiveChats(at(50), 1)).toEqual([{ chatId: "c2", userId: "u2" }]);
      expect(await store.chats.listInactiveChats(at(10), 10)).toEqual([]);
    });
  });
}
