import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InProcessBus, StoreClient } from "@chat/bus";
import { AdminEmails, AppError, type StoredUser, StoreRequest, type StoreRequestOf } from "@chat/contracts";
import { ConfigError, createLogger, newId } from "@chat/runtime";
import { SignJWT } from "jose";
import { nowSeconds } from "./__fixtures__/forged-access-tokens.ts";
import {
  audience,
  hostileTokens,
  issuer,
  JwksServer,
  providerToken,
  type SigningKey,
  signingKey,
} from "./__fixtures__/identity-provider-keys.ts";
import { IdentityProviderTokens, identityProviderSettings } from "./identity-provider-tokens.ts";

const logger = createLogger("identity-provider-test", "silent");

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
