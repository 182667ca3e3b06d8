import { describe, expect, test } from "bun:test";
import {
  type ExternalIdentity,
  externalEmailKey,
  type NewExternalUser,
  type StoredUser,
} from "@chat/contracts";
import { UserAccounts } from "./user-accounts.ts";
import type { RoleUpdate, UserRecords } from "./user-records.ts";

/** UserRecords in a map by email key, recording what UserAccounts asked of it. */
class RecordedUserRecords implements UserRecords {
  readonly byKey = new Map<string, StoredUser>();
  readonly inserts: { emailKey: string; roleIfFirst?: StoredUser["role"] }[] = [];

  async insertUser(user: StoredUser, emailKey: string, roleIfFirst?: StoredUser["role"]) {
    this.inserts.push({ emailKey, roleIfFirst });
    if (this.byKey.has(emailKey)) return null;
    const stored = { ...user, role: roleIfFirst && this.byKey.size === 0 ? roleIfFirst : user.role };
    this.byKey.set(emailKey, stored);
    return stored;
  }

  async findOrInsertExternalUser(_identity: ExternalIdentity, user: NewExternalUser, emailKey: string) {
    const stored = this.byKey.get(emailKey) ?? { ...user, passwordHash: "" };
    this.byKey.set(emailKey, stored);
    return stored;
  }

  async findUserByEmailKey(emailKey: string) {
    return this.byKey.get(emailKey) ?? null;
  }

  async findUserById(userId: string) {
    return [...this.byKey.values()].find((user) => user.id === userId) ?? null;
  }

  async countUsers() {
    return this.byKey.size;
  }

  async listUsers(): Promise<StoredUser[]> {
    return [...this.byKey.values()];
  }

  async updateRole(): Promise<RoleUpdate> {
    return { outcome: "last_admin" };
  }

  async updateName(): Promise<StoredUser | null> {
    return null;
  }

  async updatePasswordHash(): Promise<boolean> {
    return false;
  }

  async deleteUser(): Promise<boolean> {
    return false;
  }
}

const ada: StoredUser = {
  id: "u1",
  email: "Ada@Example.com.",
  name: "Ada",
  role: "user",
  passwordHash: "$argon2id$hash",
  createdAt: "2025-01-01T00:00:00.000Z",
};

describe("UserAccounts", () => {
  test("stores and finds a user under the normalised email key", async () => {
    const records = new RecordedUserRecords();
    const users = new UserAccounts(records);

    expect(await users.createUser(ada)).toStrictEqual(ada);

    expect(records.inserts).toEqual([{ emailKey: "ada@example.com", roleIfFirst: undefined }]);
    expect(await users.findUserByEmail("ＡＤＡ@example.COM")).toStrictEqual(ada);
  });

  test("a taken email key is AppError EMAIL_TAKEN", async () => {
    const users = new UserAccounts(new RecordedUserRecords());
    await users.createUser(ada);

    await expect(users.createUser({ ...ada, id: "u2", email: "ada@example.com" })).rejects.toMatchObject({
      code: "EMAIL_TAKEN",
    });
  });

  test("adminIfFirst asks the records for the admin role if the user is the first", async () => {
    const records = new RecordedUserRecords();
    const users = new UserAccounts(records);

    expect((await users.createUser(ada, { adminIfFirst: true })).role).toBe("admin");
    expect(records.inserts[0]?.roleIfFirst).toBe("admin");
  });

  test("an external user is keyed by its identity, so its email is not taken", async () => {
    const records = new RecordedUserRecords();
    const users = new UserAccounts(records);
    const identity = { issuer: "https://idp.example.com/", subject: "ada" };
    const external = {
      id: "x1",
      email: ada.email,
      name: "Ada",
      role: "user" as const,
      createdAt: ada.createdAt,
    };

    await users.findOrCreateExternalUser(identity, external);

    expect([...records.byKey.keys()]).toEqual([externalEmailKey(identity)]);
    expect(await users.createUser(ada)).toStrictEqual(ada);
  });

  test("a refused demotion of the last admin is AppError LAST_ADMIN", async () => {
    const users = new UserAccounts(new RecordedUserRecords());

    await expect(users.changeRole("u1", "user")).rejects.toMatchObject({ code: "LAST_ADMIN" });
  });
});
