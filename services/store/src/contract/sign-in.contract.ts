import { beforeEach, describe, expect, test } from "bun:test";
import { at, expectAppError, type MakeStore, storedUser, storePerTest } from "./store-fixtures.ts";

/** The CredentialRepository: sign-ins part of the store contract, run against the adapter that `make` opens. */
export function signInContract(name: string, make: MakeStore): void {
  describe(`${name} (CredentialRepository: sign-ins contract)`, () => {
    const store = storePerTest(make);

    describe("refresh tokens", () => {
      const day = 24 * 3600;
      // Tokens live in the future: a real mongod's TTL monitor deletes expired ones by the wall
      // clock (about once a minute), whatever time the test data pretends it is.
      const tokenStart = Date.UTC(2100, 0, 1);

      /** The time `seconds` after the start of the token data. */
      function tokenTime(seconds: number): string {
        return new Date(tokenStart + seconds * 1_000).toISOString();
      }

      /** The first token of family `familyId` of `userId`, made at `createdAtSeconds`, valid for a day. */
      function firstToken(hash: string, familyId: string, userId: string, createdAtSeconds = 0) {
        return {
          hash,
          familyId,
          userId,
          createdAt: tokenTime(createdAtSeconds),
          expiresAt: tokenTime(createdAtSeconds + day),
        };
      }

      /** A successor made at `seconds`, valid for a day. */
      function successor(hash: string, seconds: number) {
        return { hash, createdAt: tokenTime(seconds), expiresAt: tokenTime(seconds + day) };
      }

      beforeEach(async () => {
        await store.users.createUser(storedUser("u1", "ada@example.com"));
        await store.users.createUser(storedUser("u2", "grace@example.com"));
      });

      test("rotation uses the token up and the successor works in its place, in the same family", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));

        const first = await store.credentials.rotateRefreshToken("h1", successor("h2", 10));
        expect(first).toStrictEqual({
          outcome: "rotated",
          user: storedUser("u1", "ada@example.com"),
          familyId: "f1",
        });
        const second = await store.credentials.rotateRefreshToken("h2", successor("h3", 20));
        expect(second).toMatchObject({ outcome: "rotated", familyId: "f1", user: { id: "u1" } });
      });

      test("reusing a used token revokes the whole family: every token of it stops working", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await store.credentials.rotateRefreshToken("h1", successor("h2", 10));
        await store.credentials.rotateRefreshToken("h2", successor("h3", 20));

        expect(await store.credentials.rotateRefreshToken("h1", successor("h4", 30))).toStrictEqual({
          outcome: "reused",
          familyId: "f1",
        });
        expect(await store.credentials.rotateRefreshToken("h3", successor("h5", 40))).toStrictEqual({
          outcome: "revoked",
        });
        expect(await store.credentials.rotateRefreshToken("h4", successor("h6", 50))).toStrictEqual({
          outcome: "unknown",
        });
        expect(await store.credentials.rotateRefreshToken("h2", successor("h7", 60))).toStrictEqual({
          outcome: "revoked",
        });
      });

      test("of two rotations of one token at once, one rotates and the other is a reuse", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));

        const outcomes = await Promise.all([
          store.credentials.rotateRefreshToken("h1", successor("h2", 10)),
          store.credentials.rotateRefreshToken("h1", successor("h3", 10)),
        ]);
        expect(outcomes.map((rotation) => rotation.outcome).sort()).toEqual(["reused", "rotated"]);
        const winner = outcomes[0]?.outcome === "rotated" ? "h2" : "h3";
        expect((await store.credentials.rotateRefreshToken(winner, successor("h4", 20))).outcome).toBe(
          "revoked",
        );
      });

      test("of several rotations of one token at once, one rotates, one is the reuse, the rest find it revoked", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));

        const outcomes = await Promise.all(
          ["h2", "h3", "h4", "h5"].map((hash) =>
            store.credentials.rotateRefreshToken("h1", successor(hash, 10)),
          ),
        );
        expect(outcomes.map((rotation) => rotation.outcome).sort()).toEqual([
          "reused",
          "revoked",
          "revoked",
          "rotated",
        ]);
      });

      test("an expired token is refused and rotates nothing; its family is not revoked", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await store.credentials.startRefreshFamily(firstToken("k1", "f2", "u1", 100));

        const late = await store.credentials.rotateRefreshToken("h1", successor("h2", day));
        expect(["expired", "unknown"]).toContain(late.outcome);
        expect((await store.credentials.rotateRefreshToken("h2", successor("h3", day + 1))).outcome).toBe(
          "unknown",
        );
        expect((await store.credentials.rotateRefreshToken("k1", successor("k2", day))).outcome).toBe(
          "rotated",
        );
      });

      test("a successor lives from its own creation (a sliding expiry)", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await store.credentials.rotateRefreshToken("h1", successor("h2", day - 10));

        expect((await store.credentials.rotateRefreshToken("h2", successor("h3", day + 10))).outcome).toBe(
          "rotated",
        );
      });

      test("revoking (sign-out) stops the family's current token, and only that family", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await store.credentials.rotateRefreshToken("h1", successor("h2", 10));
        await store.credentials.startRefreshFamily(firstToken("k1", "f2", "u1"));

        expect(await store.credentials.revokeRefreshFamily("h2", tokenTime(20))).toBe("f1");
        expect(await store.credentials.revokeRefreshFamily("h2", tokenTime(30))).toBe("f1");
        expect(await store.credentials.revokeRefreshFamily("nope", tokenTime(30))).toBeNull();
        expect(await store.credentials.rotateRefreshToken("h2", successor("h3", 40))).toStrictEqual({
          outcome: "revoked",
        });
        expect((await store.credentials.rotateRefreshToken("k1", successor("k2", 40))).outcome).toBe(
          "rotated",
        );
      });

      test("revoking by family id (sign-out with an access token) needs the family's own user", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await store.credentials.startRefreshFamily(firstToken("k1", "f2", "u1"));

        expect(await store.credentials.revokeRefreshFamilyById("f1", "u2", at(10))).toBe(false);
        expect((await store.credentials.rotateRefreshToken("h1", successor("h2", 20))).outcome).toBe(
          "rotated",
        );
        expect(await store.credentials.revokeRefreshFamilyById("f1", "u1", at(30))).toBe(true);
        expect(await store.credentials.revokeRefreshFamilyById("f1", "u1", at(40))).toBe(true);
        expect(await store.credentials.revokeRefreshFamilyById("nope", "u1", at(40))).toBe(false);
        expect((await store.credentials.rotateRefreshToken("h2", successor("h3", 50))).outcome).toBe(
          "revoked",
        );
        expect((await store.credentials.rotateRefreshToken("k1", successor("k2", 50))).outcome).toBe(
          "rotated",
        );
      });

      test("revoking by an old, used token of the family revokes it too", async () => {
        await store.credentials.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await store.credentials.rotateRefreshToken("h1", successor("h2", 10));

        expect(await store.credentials.revokeRefreshFamily("h1", tokenTime(20))).toBe("f1");
        expect((await store.credentials.rotateRefreshToken("h2", successor("h3", 30))).outcome).toBe(
          "revoked",
        );
      });

      test("another user's token is theirs: it rotates to them, and their reuse leaves others alone", async () => {
        await store.credentials.startRefreshFamily(firstToken("a1", "fa", "u1"));
        await store.credentials.startRefreshFamily(firstToken("b1", "fb", "u2"));

        const grace = await store.credentials.rotateRefreshToken("b1", successor("b2", 10));
        expect(grace).toMatchObject({ outcome: "rotated", familyId: "fb", user: { id: "u2" } });
        expect((await store.credentials.rotateRefreshToken("b1", successor("b3", 20))).outcome).toBe(
          "reused",
        );

        const ada = await store.credentials.rotateRefreshToken("a1", successor("a2", 30));
        expect(ada).toMatchObject({ outcome: "rotated", familyId: "fa", user: { id: "u1" } });
      });

      test("a family id cannot be started twice, not even for another user", async () => {
        await store.credentials.startRefreshFamily(firstToken("a1", "f1", "u1"));

        await expectAppError(
          store.credentials.startRefreshFamily(firstToken("b1", "f1", "u2")),
          "VALIDATION_FAILED",
        );
        expect((await store.credentials.rotateRefreshToken("b1", successor("b2", 10))).outcome).toBe(
          "unknown",
        );
        expect(await store.credentials.rotateRefreshToken("a1", successor("a2", 10))).toMatchObject({
          user: { id: "u1" },
        });
      });

      test("an unknown token is unknown", async () => {
        expect(await store.credentials.rotateRefreshToken("nope", successor("h2", 10))).toStrictEqual({
          outcome: "unknown",
        });
      });
    });
    describe("ended sign-ins", () => {
      // Far ahead of the clock, so no adapter's own expiry (MongoDB's TTL monitor) takes them early.
      const later = Date.UTC(2100, 0, 1);
      const after = (seconds: number) => new Date(later + seconds * 1_000).toISOString();

      test("a revoked sign-in is revoked until its expiry, and only that one", async () => {
        expect(await store.credentials.isSignInRevoked("s1", after(0))).toBe(false);
        await store.credentials.revokeSignIn("s1", after(0), after(900));

        expect(await store.credentials.isSignInRevoked("s1", after(1))).toBe(true);
        expect(await store.credentials.isSignInRevoked("s1", after(899))).toBe(true);
        expect(await store.credentials.isSignInRevoked("s1", after(900))).toBe(false);
        expect(await store.credentials.isSignInRevoked("s2", after(1))).toBe(false);
      });

      test("revoking again sets the new expiry", async () => {
        await store.credentials.revokeSignIn("s1", after(0), after(900));
        await store.credentials.revokeSignIn("s1", after(600), after(1_500));

        expect(await store.credentials.isSignInRevoked("s1", after(1_000))).toBe(true);
        expect(await store.credentials.isSignInRevoked("s1", after(1_500))).toBe(false);
      });

      test("a later revocation, which may sweep expired ones, keeps the live ones", async () => {
        await store.credentials.revokeSignIn("old", after(0), after(10));
        await store.credentials.revokeSignIn("live", after(0), after(900));
        await store.credentials.revokeSignIn("new", after(20), after(900));

        expect(await store.credentials.isSignInRevoked("old", after(20))).toBe(false);
        expect(await store.credentials.isSignInRevoked("live", after(30))).toBe(true);
        expect(await store.credentials.isSignInRevoked("new", after(30))).toBe(true);
      });
    });
  });
}
