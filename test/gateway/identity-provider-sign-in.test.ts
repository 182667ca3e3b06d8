import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessTokens } from "@chat/gateway";
import { MemoryActorState } from "@chat/state";
import {
  audience,
  hostileTokens,
  issuer,
  JwksServer,
  providerToken,
  type SigningKey,
  signingKey,
} from "../../services/gateway/src/auth/tokens/__fixtures__/identity-provider-keys.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { freePort } from "../support/service-process.ts";

describe("AUTH_MODE=jwks, end to end", () => {
  const jwtSecret = `jwks-mode-test-${crypto.randomUUID()}`;
  let jwks: JwksServer;
  let server: EmbeddedServer;
  let key: SigningKey;

  beforeAll(async () => {
    jwks = new JwksServer();
    key = await signingKey("idp-key");
    jwks.keys = [key];
    server = await startEmbeddedServer({
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
        cwd: join(import.meta.dir, "../.."),
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
