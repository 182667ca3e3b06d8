import { describe, expect, test } from "bun:test";
import { at, expectAppError, type MakeStore, storedUser, storePerTest } from "./store-fixtures.ts";

/** The UserRepository part of the store contract, run against the adapter that `make` opens. */
export function userRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (UserRepository contract)`, () => {
    const store = storePerTest(make);

    describe("users", () => {
      test("a created user is found by id and by email in any case", async () => {
        const user = storedUser("u1", "Ada.Lovelace@Example.com");
        await store.users.createUser(user);

        expect(await store.users.findUserById("u1")).toStrictEqual(user);
        expect(await store.users.findUserByEmail("ada.lovelace@example.com")).toStrictEqual(user);
        expect(await store.users.findUserByEmail("ADA.LOVELACE@EXAMPLE.COM")).toStrictEqual(user);
      });

      test("unknown users are null", async () => {
        await store.users.createUser(storedUser("u1", "ada@example.com"));

        expect(await store.users.findUserById("u2")).toBeNull();
        expect(await store.users.findUserByEmail("grace@example.com")).toBeNull();
      });

      test("an email taken in another case is refused with EMAIL_TAKEN", async () => {
        await store.users.createUser(storedUser("u1", "ada@example.com"));

        await expectAppError(store.users.createUser(storedUser("u2", "ADA@Example.com")), "EMAIL_TAKEN");
        expect(await store.users.findUserById("u2")).toBeNull();
        expect(await store.users.countUsers()).toBe(1);
      });

      test("look-alikes of a taken email (fullwidth, Kelvin sign, trailing dot) are refused with EMAIL_TAKEN", async () => {
        await store.users.createUser(storedUser("u1", "kate@example.com"));

        const lookAlikes = [
          "ｋａｔｅ@example.com",
          "\u212Aate@example.com",
          "kate@example.com.",
          "KATE＠EXAMPLE.COM",
        ];
        for (const [index, email] of lookAlikes.entries()) {
          await expectAppError(store.users.createUser(storedUser(`u${index + 2}`, email)), "EMAIL_TAKEN");
          expect((await store.users.findUserByEmail(email))?.id).toBe("u1");
        }
        expect(await store.users.countUsers()).toBe(1);
      });

      test("counts users", async () => {
        expect(await store.users.countUsers()).toBe(0);
        await store.users.createUser(storedUser("u1", "ada@example.com"));
        await store.users.createUser(storedUser("u2", "grace@example.com"));

        expect(await store.users.countUsers()).toBe(2);
      });

      test("createUser returns the user as stored", async () => {
        const user = storedUser("u1", "ada@example.com");
        expect(await store.users.createUser(user)).toStrictEqual(user);
        const admin = { ...storedUser("u2", "grace@example.com"), role: "admin" as const };
        expect(await store.users.createUser(admin, { adminIfFirst: true })).toStrictEqual(admin);
      });

      test("with adminIfFirst, only the very first account becomes admin", async () => {
        const first = await store.users.createUser(storedUser("u1", "ada@example.com"), {
          adminIfFirst: true,
        });
        const second = await store.users.createUser(storedUser("u2", "grace@example.com"), {
          adminIfFirst: true,
        });

        expect(first.role).toBe("admin");
        expect(second.role).toBe("user");
        expect((await store.users.findUserById("u1"))?.role).toBe("admin");
        expect((await store.users.findUserById("u2"))?.role).toBe("user");
      });

      test("of many first registrations at once, exactly one becomes admin", async () => {
        const created = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            store.users.createUser(storedUser(`u${index}`, `user${index}@example.com`), {
              adminIfFirst: true,
            }),
          ),
        );

        expect(created.filter((user) => user.role === "admin")).toHaveLength(1);
      });

      test("without adminIfFirst the first account keeps the role it was given", async () => {
        expect((await store.users.createUser(storedUser("u1", "ada@example.com"))).role).toBe("user");
      });
    });
    describe("roles", () => {
      const admin = (id: string, email: string) => ({ ...storedUser(id, email), role: "admin" as const });

      test("changeRole stores the role and answers the role before", async () => {
        await store.users.createUser(admin("a1", "root@example.com"));
        await store.users.createUser(storedUser("u1", "ada@example.com"));

        const granted = await store.users.changeRole("u1", "agent");
        expect(granted).toStrictEqual({
          user: { ...storedUser("u1", "ada@example.com"), role: "agent" },
          previousRole: "user",
          changed: true,
        });
        expect((await store.users.findUserById("u1"))?.role).toBe("agent");
        expect((await store.users.findUserByEmail("ada@example.com"))?.role).toBe("agent");
        expect((await store.users.changeRole("u1", "agent")).changed).toBe(false);
        expect((await store.users.changeRole("u1", "user")).previousRole).toBe("agent");
      });

      test("an unknown user is USER_NOT_FOUND", async () => {
        await expectAppError(store.users.changeRole("nobody", "admin"), "USER_NOT_FOUND");
      });

      test("the last admin cannot be demoted, by themselves or anyone; another admin can", async () => {
        await store.users.createUser(admin("a1", "root@example.com"));

        await expectAppError(store.users.changeRole("a1", "agent"), "LAST_ADMIN");
        await expectAppError(store.users.changeRole("a1", "user"), "LAST_ADMIN");
        expect((await store.users.findUserById("a1"))?.role).toBe("admin");
        expect((await store.users.changeRole("a1", "admin")).changed).toBe(false);

        await store.users.createUser(storedUser("u2", "grace@example.com"));
        await store.users.changeRole("u2", "admin");
        expect((await store.users.changeRole("a1", "user")).user.role).toBe("user");
        await expectAppError(store.users.changeRole("u2", "user"), "LAST_ADMIN");
      });

      test("two admins demoting each other at once leave at least one admin", async () => {
        await store.users.createUser(admin("a1", "root@example.com"));
        await store.users.createUser(admin("a2", "other@example.com"));

        const outcomes = await Promise.allSettled([
          store.users.changeRole("a1", "user"),
          store.users.changeRole("a2", "user"),
        ]);

        expect(outcomes.filter((outcome) => outcome.status === "fulfilled").length).toBeLessThanOrEqual(1);
        const roles = [
          (await store.users.findUserById("a1"))?.role,
          (await store.users.findUserById("a2"))?.role,
        ];
        expect(roles).toContain("admin");
      });

      test("listUsers pages every user, oldest account first, ties by id", async () => {
        const users = [
          { ...storedUser("u3", "c@example.com"), createdAt: at(1) },
          { ...storedUser("u1", "a@example.com"), createdAt: at(2) },
          { ...storedUser("u2", "b@example.com"), createdAt: at(1) },
          { ...storedUser("u4", "d@example.com"), createdAt: at(3) },
        ];
        for (const user of users) await store.users.createUser(user);

        const first = await store.users.listUsers({ limit: 3 });
        const second = await store.users.listUsers({ cursor: first.nextCursor ?? "", limit: 3 });

        expect(first.items.map((user) => user.id)).toEqual(["u2", "u3", "u1"]);
        expect(second).toStrictEqual({ items: users.slice(3), nextCursor: null });
        expect(await store.users.listUsers({ limit: 4 })).toMatchObject({ nextCursor: null });
      });
    });
    describe("external users", () => {
      const identity = { issuer: "https://idp.example.com/", subject: "auth0|123" };
      const newUser = (id: string, email: string) => ({
        id,
        email,
        name: `User ${id}`,
        role: "user" as const,
        createdAt: at(0),
      });

      test("the first sight creates the user, later sights find the same one", async () => {
        const created = await store.users.findOrCreateExternalUser(
          identity,
          newUser("x1", "ada@example.com"),
        );
        expect(created).toStrictEqual({ ...newUser("x1", "ada@example.com"), passwordHash: "" });

        const again = await store.users.findOrCreateExternalUser(
          identity,
          newUser("x2", "changed@example.com"),
        );
        expect(again).toStrictEqual(created);
        expect(await store.users.findUserById("x1")).toStrictEqual(created);
        expect(await store.users.findUserById("x2")).toBeNull();
      });

      test("concurrent first sights create one user", async () => {
        const users = await Promise.all(
          ["x1", "x2", "x3", "x4"].map((id) =>
            store.users.findOrCreateExternalUser(identity, newUser(id, "ada@example.com")),
          ),
        );

        expect(new Set(users.map((user) => user.id)).size).toBe(1);
        expect(await store.users.countUsers()).toBe(1);
      });

      test("the same subject at another issuer, or another subject, is another user", async () => {
        const ada = await store.users.findOrCreateExternalUser(identity, newUser("x1", "ada@example.com"));
        const otherIssuer = await store.users.findOrCreateExternalUser(
          { ...identity, issuer: "https://other.example.com/" },
          newUser("x2", "ada@example.com"),
        );
        const otherSubject = await store.users.findOrCreateExternalUser(
          { ...identity, subject: "auth0|456" },
          newUser("x3", ""),
        );

        expect([ada.id, otherIssuer.id, otherSubject.id]).toEqual(["x1", "x2", "x3"]);
      });

      test("an external user takes no email from local accounts and cannot sign in with a password", async () => {
        await store.users.createUser(storedUser("u1", "ada@example.com"));
        const external = await store.users.findOrCreateExternalUser(
          identity,
          newUser("x1", "Ada@Example.com"),
        );

        expect(external.email).toBe("Ada@Example.com");
        expect((await store.users.findUserByEmail("ada@example.com"))?.id).toBe("u1");
        await store.users.createUser(storedUser("u2", "grace@example.com"));
        await store.users.findOrCreateExternalUser(
          { ...identity, subject: "grace" },
          newUser("x2", "grace@example.com"),
        );
        expect((await store.users.findUserByEmail("grace@example.com"))?.id).toBe("u2");
      });
    });
  });
}
