import { describe, expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import { MemoryActorState, type RevocationList } from "@chat/state";
import { SignJWT } from "jose";
import { claims, hs256, nowSeconds, secret, user } from "./__fixtures__/forged-access-tokens.ts";
import { AccessTokens } from "./access-tokens.ts";

describe("AccessTokens", () => {
  const revocations = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 1 }).revocations;
  const tokens = new AccessTokens(secret, 900, revocations);

  test("verifies what it issued", async () => {
    expect(await tokens.verify(await tokens.issue(user, "sign-in-1"))).toEqual(user);
  });

  test("names the sign-in of a token, which a connection checks again while open", async () => {
    const token = await hs256(claims("u1", { sid: "sign-in-open", exp: nowSeconds() + 60 }));
    const { signIn } = await tokens.identify(token);
    expect(signIn.id).toBe("sign-in-open");
    await tokens.checkSignIn(signIn);
    await expect(tokens.checkSignIn({ ...signIn, expiresAt: Date.now() - 1 })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await tokens.endSignIn("sign-in-open");
    await expect(tokens.checkSignIn(signIn)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // Signing out with the token still finds its sign-in; another key's token has none.
    expect(await tokens.signInOf(token)).toEqual({ signInId: "sign-in-open", userId: "u1" });
    expect(await tokens.signInOf(await hs256(claims("u1"), {}, "another secret"))).toBeNull();
  });

  test("an ended sign-in stops its tokens at once, for one token lifetime; other sign-ins work on", async () => {
    const ending = await tokens.issue(user, "sign-in-ending");
    const other = await tokens.issue(user, "sign-in-other");
    await tokens.endSignIn("sign-in-ending");
    await expect(tokens.verify(ending)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "This sign-in has ended: sign in again",
    });
    expect(await tokens.verify(other)).toEqual(user);
    const recorded: Array<[string, number]> = [];
    const recording = new AccessTokens(secret, 900, {
      revoke: async (id, ttlSeconds) => {
        recorded.push([id, ttlSeconds]);
      },
      isRevoked: async () => false,
    });
    await recording.endSignIn("sign-in-2");
    expect(recorded).toEqual([["sign-in-2", 900]]);
  });

  test("when ended sign-ins cannot be read, a good token answers UNAVAILABLE, not UNAUTHORIZED", async () => {
    const unreachable: RevocationList = {
      revoke: () => Promise.reject(new Error("connection refused")),
      isRevoked: () => Promise.reject(new Error("connection refused")),
    };
    const blind = new AccessTokens(secret, 900, unreachable);
    await expect(blind.verify(await blind.issue(user, "sign-in-1"))).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    await expect(blind.verify("not a token")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  test("refuses with AppError UNAUTHORIZED, keeping the reason as the cause", async () => {
    const error = await tokens.verify("not a token").catch((rejection: unknown) => rejection);
    expect(AppError.isInstance(error)).toBe(true);
    expect((error as AppError).code).toBe("UNAUTHORIZED");
    expect((error as AppError).cause).toBeDefined();
  });

  test("refuses a token without typ at+jwt, jti, exp or sid, even when signed with the key", async () => {
    for (const token of [
      await new SignJWT(claims(user.id))
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode(secret)),
      await hs256(claims(user.id), { typ: "JWT" }),
      await hs256(claims(user.id, { jti: undefined })),
      await hs256(claims(user.id, { exp: undefined })),
      await hs256(claims(user.id, { sid: undefined })),
      await hs256(claims(user.id, { sid: "" })),
      await hs256(claims(user.id, { sid: 42 })),
    ]) {
      await expect(tokens.verify(token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
  });
});
