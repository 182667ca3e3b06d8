import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import {
  base64url,
  claims,
  hs256,
  nowSeconds,
  secret,
  user,
} from "../../services/gateway/src/auth/tokens/__fixtures__/forged-access-tokens.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

describe("token hygiene: every bad access token answers 401 UNAUTHORIZED, by header and by cookie", () => {
  let server: EmbeddedServer;
  let userId: string;
  /** A server that would hand out an attacker's key, if the gateway ever fetched `jku` or `x5u`. */
  let attacker: ReturnType<typeof Bun.serve>;
  let attackerRequests = 0;
  const cells = new Map<string, string>();

  beforeAll(async () => {
    server = await startEmbeddedServer({
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
