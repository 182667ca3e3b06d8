import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { base64url, nowSeconds } from "./forged-access-tokens.ts";

/** The identity provider's `iss` in these tests. */
export const issuer = "https://idp.example.test/";
/** The `aud` the gateway expects in these tests. */
export const audience = "chat-api-test";

/** A key pair of the identity provider, its public half as a JWK. */
export type SigningKey = {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
};

/** A new key pair named `kid`. */
export async function signingKey(
  kid: string,
  alg: "RS256" | "ES256" | "EdDSA" = "RS256",
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" },
  };
}

/** The identity provider's key set, served like an IdP serves it; `keys` may change (rotation). */
export class JwksServer {
  keys: SigningKey[] = [];
  requests = 0;
  available = true;
  private readonly server = Bun.serve({
    port: 0,
    fetch: () => {
      this.requests += 1;
      if (!this.available) return new Response("down", { status: 503 });
      return Response.json({ keys: this.keys.map((key) => key.publicJwk) });
    },
  });

  get url(): string {
    return `http://127.0.0.1:${this.server.port}/.well-known/jwks.json`;
  }

  stop(): void {
    this.server.stop(true);
  }
}

/** A token of the provider for `sub`, signed with `key`; `claims` replace (or, undefined, remove) some. */
export function providerToken(
  key: SigningKey,
  sub: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const all: Record<string, unknown> = {
    sub,
    iss: issuer,
    aud: audience,
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    email: `${sub}@example.com`,
    email_verified: true,
    name: `User ${sub}`,
    ...claims,
  };
  const payload = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
    .sign(key.privateKey);
}

/** Tokens that must be refused whatever the key set holds, by name. */
export async function hostileTokens(good: SigningKey, attacker: SigningKey, attackerUrl: string) {
  const hmac = (payload: JWTPayload, key: Uint8Array) =>
    new SignJWT(payload).setProtectedHeader({ alg: "HS256", kid: good.kid }).sign(key);
  const claims: JWTPayload = { sub: "mallory", iss: issuer, aud: audience, exp: nowSeconds() + 300 };
  const encoder = new TextEncoder();
  const publicPem = await exportSPKI(good.publicKey);
  return new Map<string, string>([
    ["expired", await providerToken(good, "mallory", { iat: nowSeconds() - 600, exp: nowSeconds() - 60 })],
    ["not yet valid (nbf in the future)", await providerToken(good, "mallory", { nbf: nowSeconds() + 600 })],
    ["without exp", await providerToken(good, "mallory", { exp: undefined })],
    ["without sub", await providerToken(good, "", { sub: undefined })],
    ["wrong iss", await providerToken(good, "mallory", { iss: "https://evil.example.com/" })],
    ["wrong aud", await providerToken(good, "mallory", { aud: "another-api" })],
    ["signed with a key not in the JWKS", await providerToken(attacker, "mallory")],
    [
      "a key not in the JWKS, claiming a kid that is",
      await providerToken({ ...attacker, kid: good.kid }, "mallory"),
    ],
    ["alg: none", `${base64url({ alg: "none", kid: good.kid })}.${base64url(claims)}.`],
    ["HS256 with the JWKS public key (PEM) as the secret", await hmac(claims, encoder.encode(publicPem))],
    [
      "HS256 with the JWK's modulus as the secret",
      await hmac(claims, encoder.encode(good.publicJwk.n ?? "")),
    ],
    [
      "HS256 with the JWK itself (JSON) as the secret",
      await hmac(claims, encoder.encode(JSON.stringify(good.publicJwk))),
    ],
    ["jku header at the attacker's JWKS", await providerToken(attacker, "mallory", {}, { jku: attackerUrl })],
    [
      "x5u header at the attacker's certificate",
      await providerToken(attacker, "mallory", {}, { x5u: attackerUrl }),
    ],
    [
      "jwk header with the attacker's key",
      await providerToken(attacker, "mallory", {}, { jwk: attacker.publicJwk }),
    ],
    ["garbage", "not.a.token"],
  ]);
}
