import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus } from "@chat/bus";
import { StoreClient } from "@chat/clients";
import { AppError, type StoredUser, StoreRequest, type StoreRequestOf } from "@chat/contracts";
import { ConfigError, createLogger, newId } from "@chat/runtime";
import { MemoryActorState } from "@chat/state";
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { freePort, ServiceProcess } from "../../../../../test/support/service-process.ts";
import { AdminEmails } from "../admin-emails.ts";
import { AccessTokens } from "./access-tokens.ts";
import { IdentityProviderTokens, identityProviderSettings } from "./identity-provider-tokens.ts";

const issuer = "https://idp.example.test/";
const audience = "chat-api-test";
const logger = createLogger("identity-provider-test", "silent");

type SigningKey = { kid: string; alg: string; privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK };

async function signingKey(kid: string, alg: "RS256" | "ES256" | "EdDSA" = "RS256"): Promise<SigningKey> {
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
class JwksServer {
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

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token of the provider for `sub`, signed with `key`; `claims` replace (or, undefined, remove) some. */
function providerToken(
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

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Tokens that must be refused whatever the key set holds, by name. */
async function hostileTokens(good: SigningKey, attacker: SigningKey, attackerUrl: string) {
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

/** A store that answers find-or-create of external users from a map, as the real one would. */
async function fakeStore(bus: InProcessBus) {
  const users = new Map<string, StoredUser>();
  let calls = 0;
  await bus.serve<StoreRequest>({ name: "store", schema: StoreRequest }, async (request) => {
    if (request.type !== "store.find_or_create_external_user") throw new Error(`unexpected ${request.type}`);
    calls += 1;
    const { identity, user } = request as StoreRequestOf<"store.find_or_create_external_user">;
    const key = `${identity.issuer} ${identity.subject}`;
    const existing = users.get(key) ?? { ...user, passwordHash: "" };
    users.set(key, existing);
    return existing;
  });
  return { users, calls: () => calls };
}

describe("IdentityProviderTokens", () => {
  let jwks: JwksServer;
  let bus: InProcessBus;
  let store: Awaited<ReturnType<typeof fakeStore>>;
  let verifier: IdentityProviderTokens;
  let current: SigningKey;
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  beforeEach(async () => {
    jwks = new JwksServer();
    current = await signingKey("key-1");
    jwks.keys = [current];
    bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
    store = await fakeStore(bus);
    verifier = new IdentityProviderTokens({
      jwksUrl: new URL(jwks.url),
      issuer,
      audience,
      store: new StoreClient(bus, { timeoutMs: 2_000, newId }),
      adminEmails: new AdminEmails("boss@example.com"),
      logger,
      newId,
      cooldownMs: 0,
      timeoutMs: 1_000,
    });
  });

  afterEach(async () => {
    jwks.stop();
    await bus.close();
  });

  test("a valid token creates its user on first sight; later tokens find the same user", async () => {
    const first = await verifier.verify(await providerToken(current, "ada"), traceparent);
    expect(first).toEqual({
      id: expect.any(String),
      email: "ada@example.com",
      name: "User ada",
      role: "user",
    });
    const second = await verifier.verify(await providerToken(current, "ada"), traceparent);
    expect(second).toEqual(first);
    expect(store.users.size).toBe(1);
    expect(store.calls()).toBe(1);
  });

  test("ES256 and EdDSA keys work too", async () => {
    const ec = await signingKey("ec", "ES256");
    const ed = await signingKey("ed", "EdDSA");
    jwks.keys = [current, ec, ed];
    expect((await verifier.verify(await providerToken(ec, "ec-user"), traceparent)).name).toBe(
      "User ec-user",
    );
    expect((await verifier.verify(await providerToken(ed, "ed-user"), traceparent)).name).toBe(
      "User ed-user",
    );
  });

  test("key rotation: a token of a new kid added to the JWKS is accepted", async () => {
    await verifier.verify(await providerToken(current, "ada"), traceparent);
    const next = await signingKey("key-2");
    jwks.keys = [current, next];

    expect((await verifier.verify(await providerToken(next, "grace"), traceparent)).name).toBe("User grace");
    expect(jwks.requests).toBe(2);
    expect((await verifier.verify(await providerToken(current, "ada"), traceparent)).name).toBe("User ada");
  });

  test("a token without kid is checked against every key of its type", async () => {
    const other = await signingKey("key-0");
    jwks.keys = [other, current];
    const token = await new SignJWT({ sub: "nokid", iss: issuer, aud: audience, exp: nowSeconds() + 60 })
      .setProtectedHeader({ alg: "RS256" })
      .sign(current.privateKey);
    expect((await verifier.verify(token, traceparent)).name).toBe("nokid");
  });

  test("hostile tokens are refused with UNAUTHORIZED, and no URL in a header is fetched", async () => {
    let attackerRequests = 0;
    const attackerServer = Bun.serve({
      port: 0,
      fetch: () => {
        attackerRequests += 1;
        return new Response("{}");
      },
    });
    try {
      const attacker = await signingKey("attacker");
      const tokens = await hostileTokens(current, attacker, `http://127.0.0.1:${attackerServer.port}/jwks`);
      const outcomes: Record<string, string> = {};
      for (const [name, token] of tokens) {
        const error = await verifier.verify(token, traceparent).then(
          () => null,
          (rejection: unknown) => rejection,
        );
        outcomes[name] = AppError.isInstance(error) ? error.code : String(error);
      }
      expect(outcomes).toEqual(Object.fromEntries([...tokens.keys()].map((name) => [name, "UNAUTHORIZED"])));
      expect(attackerRequests).toBe(0);
      expect(store.calls()).toBe(0);
    } finally {
      attackerServer.stop(true);
    }
  });

  test("ADMIN_EMAILS makes a verified email admin; an email marked unverified is not used", async () => {
    expect((await verifier.verify(await providerToken(current, "boss"), traceparent)).role).toBe("admin");
    const unverified = await verifier.verify(
      await providerToken(current, "pretender", { email: "Boss@Example.com", email_verified: false }),
      traceparent,
    );
    expect(unverified).toMatchObject({ role: "user", email: "" });
    const verified = await verifier.verify(
      await providerToken(current, "boss2", { email: "Boss@Example.com", email_verified: true }),
      traceparent,
    );
    expect(verified.role).toBe("admin");
  });

  test('ADMIN_EMAILS needs email_verified to be true: missing, the string "false" or "true" are not', async () => {
    const claimsOfPretenders: Array<Record<string, unknown>> = [
      { email_verified: undefined },
      { email_verified: "false" },
      { email_verified: "true" },
      { email_verified: 1 },
    ];
    for (const [index, claims] of claimsOfPretenders.entries()) {
      const user = await verifier.verify(
        await providerToken(current, `pretender-${index}`, { email: "boss@example.com", ...claims }),
        traceparent,
      );
      expect(user).toMatchObject({ role: "user", email: "" });
    }
  });

  test("a verified email with an invisible character is not used, so it cannot pass for a listed one", async () => {
    const user = await verifier.verify(
      await providerToken(current, "lookalike", { email: "boss@example.com\u200b" }),
      traceparent,
    );
    expect(user).toMatchObject({ role: "user", email: "" });
  });

  test("the role follows the token's verified email, not the one stored at first sight", async () => {
    expect((await verifier.verify(await providerToken(current, "boss"), traceparent)).role).toBe("admin");
    const unverifiedLater = await providerToken(current, "boss", { email_verified: false });
    expect((await verifier.verify(unverifiedLater, traceparent)).role).toBe("user");
  });

  test("a JWKS that cannot be fetched answers UNAVAILABLE (503, retryable), not UNAUTHORIZED", async () => {
    jwks.available = false;
    const error = await verifier
      .verify(await providerToken(current, "ada"), traceparent)
      .catch((e: unknown) => e);
    expect(AppError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: true });
  });
});

describe("identityProviderSettings", () => {
  const complete = { JWKS_URL: "https://idp.example.test/jwks", JWT_ISSUER: issuer, JWT_AUDIENCE: audience };

  test("reads the three settings", () => {
    expect(identityProviderSettings(complete)).toEqual({
      jwksUrl: new URL(complete.JWKS_URL),
      issuer,
      audience,
    });
  });

  test("a missing one throws a ConfigError naming it", () => {
    for (const variable of ["JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"] as const) {
      const settings = { ...complete, [variable]: undefined };
      expect(() => identityProviderSettings(settings)).toThrow(ConfigError);
      expect(() => identityProviderSettings(settings)).toThrow(variable);
    }
  });
});

describe("AUTH_MODE=jwks, end to end", () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-jwks-"));
  const jwtSecret = `jwks-mode-test-${crypto.randomUUID()}`;
  let jwks: JwksServer;
  let server: ServiceProcess;
  let key: SigningKey;

  beforeAll(async () => {
    jwks = new JwksServer();
    key = await signingKey("idp-key");
    jwks.keys = [key];
    server = await ServiceProcess.start("all-in-one", "services/all-in-one/main.ts", {
      DATA_DIR: dataDirectory,
      AMQP_URL: "",
      REDIS_URL: "",
      JWT_SECRET: jwtSecret,
      AUTH_MODE: "jwks",
      JWKS_URL: jwks.url,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      ADMIN_EMAILS: "boss@example.com",
      RATE_LIMIT_IP_PER_MINUTE: "1000000",
      RATE_LIMIT_USER_PER_MINUTE: "1000000",
      RATE_LIMIT_AUTH_PER_MINUTE: "1000000",
    });
  });

  afterAll(async () => {
    jwks?.stop();
    await server?.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  async function me(token: string, header = "authorization") {
    const value = header === "authorization" ? `Bearer ${token}` : `chat_session=${token}`;
    const response = await fetch(`${server.baseUrl}/api/me`, { headers: { [header]: value } });
    return { status: response.status, body: (await response.json()) as any };
  }

  test("a valid token creates the user, reaches /api/me, and a second request finds the same user", async () => {
    const first = await me(await providerToken(key, "ada"));
    expect(first.status).toBe(200);
    expect(first.body.user).toEqual({
      id: expect.any(String),
      email: "ada@example.com",
      name: "User ada",
      role: "user",
    });
    const second = await me(await providerToken(key, "ada"));
    expect(second.body.user.id).toBe(first.body.user.id);

    const chats = await fetch(`${server.baseUrl}/api/chats`, {
      headers: { authorization: `Bearer ${await providerToken(key, "ada")}` },
    });
    expect(chats.status).toBe(200);
  });

  test("ADMIN_EMAILS decides the role", async () => {
    expect((await me(await providerToken(key, "boss"))).body.user.role).toBe("admin");
  });

  test("hostile tokens, a local access token and the session cookie answer 401 UNAUTHORIZED, never 500", async () => {
    const attacker = await signingKey("attacker");
    const tokens = await hostileTokens(key, attacker, "http://127.0.0.1:9/jwks");
    const revocations = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 1 }).revocations;
    const localToken = await new AccessTokens(jwtSecret, 900, revocations).issue(
      { id: "u1", email: "ada@example.com", name: "Ada", role: "admin" },
      "sign-in-1",
    );
    tokens.set("a local access token, signed with JWT_SECRET", localToken);
    const results: Record<string, unknown> = {};
    for (const [name, token] of tokens) {
      const { status, body } = await me(token);
      results[name] = { status, code: body.error?.code };
    }
    const validCookie = await me(await providerToken(key, "ada"), "cookie");
    results["a valid token in the session cookie"] = {
      status: validCookie.status,
      code: validCookie.body.error?.code,
    };
    expect(results).toEqual(
      Object.fromEntries(Object.keys(results).map((name) => [name, { status: 401, code: "UNAUTHORIZED" }])),
    );
  });

  test("register, login and refresh do not exist (404 ROUTE_NOT_FOUND); logout still clears the cookies", async () => {
    const bodies: Record<string, unknown> = {
      register: { email: "x@example.com", password: "correct horse battery", name: "X" },
      login: { email: "x@example.com", password: "correct horse battery" },
      refresh: {},
    };
    for (const [route, body] of Object.entries(bodies)) {
      const response = await fetch(`${server.baseUrl}/api/auth/${route}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe("ROUTE_NOT_FOUND");
    }
    const logout = await fetch(`${server.baseUrl}/api/auth/logout`, { method: "POST" });
    expect(logout.status).toBe(204);
  });
});

describe("AUTH_MODE=jwks start-up", () => {
  test("refuses to start without JWKS_URL, JWT_ISSUER or JWT_AUDIENCE, naming the variable", async () => {
    for (const missing of ["JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"]) {
      const dataDirectory = mkdtempSync(join(tmpdir(), "chat-jwks-config-"));
      const environment: Record<string, string> = {
        ...process.env,
        DATA_DIR: dataDirectory,
        AMQP_URL: "",
        REDIS_URL: "",
        PORT: String(freePort()),
        LOG_LEVEL: "warn",
        AUTH_MODE: "jwks",
        JWKS_URL: "http://127.0.0.1:9/jwks",
        JWT_ISSUER: issuer,
        JWT_AUDIENCE: audience,
      };
      delete environment[missing];
      const child = Bun.spawn([process.execPath, "services/all-in-one/main.ts"], {
        cwd: join(import.meta.dir, "../../../../.."),
        env: environment,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, errorOutput] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      rmSync(dataDirectory, { recursive: true, force: true });
      expect(code).toBe(1);
      expect(errorOutput).toContain(`Invalid configuration — ${missing}`);
    }
  });
});
