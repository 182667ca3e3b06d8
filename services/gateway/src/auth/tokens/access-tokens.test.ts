import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "@chat/contracts";
import { MemoryActorState, type RevocationList } from "@chat/state";
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { ServiceProcess } from "../../../../../test/support/service-process.ts";
import { AccessTokens } from "./access-tokens.ts";

const secret = `access-token-test-${crypto.randomUUID()}`;
const user = { id: "u1", email: "ada@example.com", name: "Ada", role: "user" as const };

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The claims of a good access token of `sub`; `changes` replace or (undefined) remove some. */
function claims(sub: string, changes: Record<string, unknown> = {}): JWTPayload {
  const all: Record<string, unknown> = {
    sub,
    email: user.email,
    name: user.name,
    role: "user",
    iss: "chat-gateway",
    aud: "chat-api",
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    jti: crypto.randomUUID(),
    sid: "sign-in-1",
    ...changes,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

/** Signs `payload` with HS256 and `key` (the gateway's secret unless another is given). */
function hs256(payload: JWTPayload, header: Record<string, unknown> = {}, key: string | Uint8Array = secret) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header })
    .sign(typeof key === "string" ? new TextEncoder().encode(key) : key);
}

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

describe("token hygiene: every bad access token answers 401 UNAUTHORIZED, by header and by cookie", () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-token-hygiene-"));
  let server: ServiceProcess;
  let userId: string;
  /** A server that would hand out an attacker's key, if the gateway ever fetched `jku` or `x5u`. */
  let attacker: ReturnType<typeof Bun.serve>;
  let attackerRequests = 0;
  const cells = new Map<string, string>();

  beforeAll(async () => {
    server = await ServiceProcess.start("all-in-one", "services/all-in-one/main.ts", {
      DATA_DIR: dataDirectory,
      AMQP_URL: "",
      REDIS_URL: "",
      JWT_SECRET: secret,
      RATE_LIMIT_IP_PER_MINUTE: "1000000",
      RATE_LIMIT_USER_PER_MINUTE: "1000000",
      RATE_LIMIT_AUTH_PER_MINUTE: "1000000",
    });
    const registered = await fetch(`${server.baseUrl}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: "correct horse battery", name: user.name }),
    });
    userId = ((await registered.json()) as { user: { id: string } }).user.id;

    const attackerKeys = await generateKeyPair("RS256", { extractable: true });
    const attackerJwk = { ...(await exportJWK(attackerKeys.publicKey)), kid: "attacker", alg: "RS256" };
    attacker = Bun.serve({
      port: 0,
      fetch: () => {
        attackerRequests += 1;
        return Response.json({ keys: [attackerJwk] });
      },
    });
    const attackerUrl = `http://127.0.0.1:${attacker.port}`;
    const rs256 = (payload: JWTPayload, header: Record<string, unknown> = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt", ...header })
        .sign(attackerKeys.privateKey);
    const good = claims(userId);
    const attackerSecret = crypto.getRandomValues(new Uint8Array(32));

    cells.set("expired", await hs256(claims(userId, { iat: nowSeconds() - 1000, exp: nowSeconds() - 100 })));
    cells.set("not yet valid (nbf in the future)", await hs256(claims(userId, { nbf: nowSeconds() + 300 })));
    cells.set("signed with another key", await hs256(good, {}, `another-${secret}`));
    cells.set("alg: none", `${base64url({ alg: "none", typ: "at+jwt" })}.${base64url(good)}.`);
    cells.set(
      "alg: none, signature kept",
      `${base64url({ alg: "none", typ: "at+jwt" })}.${base64url(good)}.c2ln`,
    );
    cells.set("RS256 (an asymmetric key instead of the HMAC secret)", await rs256(good));
    cells.set(
      "HS/RS confusion: HS256 with an RSA public key (PEM) as the secret",
      await hs256(good, {}, new TextEncoder().encode(await exportSPKI(attackerKeys.publicKey))),
    );
    cells.set("wrong aud", await hs256(claims(userId, { aud: "another-api" })));
    cells.set("wrong iss", await hs256(claims(userId, { iss: "https://evil.example.com" })));
    cells.set(
      "jku header at the attacker's JWKS",
      await rs256(good, { jku: `${attackerUrl}/jwks`, kid: "attacker" }),
    );
    cells.set(
      "x5u header at the attacker's certificate",
      await rs256(good, { x5u: `${attackerUrl}/cert.pem` }),
    );
    cells.set("jwk header with the attacker's public key", await rs256(good, { jwk: attackerJwk }));
    cells.set(
      "jwk header with the attacker's HMAC key",
      await hs256(
        good,
        { jwk: { kty: "oct", k: Buffer.from(attackerSecret).toString("base64url") } },
        attackerSecret,
      ),
    );
    cells.set("kid pointing at a file", await hs256(good, { kid: "../../../../dev/null" }, "\n"));
    cells.set("a JWT of another type", await hs256(good, { typ: "JWT" }));
    cells.set("not a JWT at all", "garbage");
    cells.set("three empty parts", "..");
    cells.set("a payload that is not JSON", `${base64url({ alg: "HS256", typ: "at+jwt" })}.bm90IGpzb24.c2ln`);
  });

  afterAll(async () => {
    attacker?.stop(true);
    await server?.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  async function me(headers: Record<string, string>): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${server.baseUrl}/api/me`, { headers });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  }

  test("a good token made the same way is accepted (so each refusal below is for its one fault)", async () => {
    const token = await hs256(claims(userId));
    expect(await me({ authorization: `Bearer ${token}` })).toEqual({ status: 200, code: undefined });
    expect(await me({ cookie: `chat_session=${token}` })).toEqual({ status: 200, code: undefined });
  });

  test("each bad token is refused with 401 UNAUTHORIZED, never 500, and no attacker URL is fetched", async () => {
    const results: Record<string, unknown> = {};
    for (const [cell, token] of cells) {
      results[`${cell} (bearer)`] = await me({ authorization: `Bearer ${token}` });
      results[`${cell} (cookie)`] = await me({ cookie: `chat_session=${token}` });
    }
    const expected = Object.fromEntries(
      Object.keys(results).map((cell) => [cell, { status: 401, code: "UNAUTHORIZED" }]),
    );
    expect(results).toEqual(expected);
    expect(attackerRequests).toBe(0);
  });

  test("a bad token is refused on other routes too", async () => {
    for (const token of cells.values()) {
      const response = await fetch(`${server.baseUrl}/api/chats`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(401);
    }
  });
});
