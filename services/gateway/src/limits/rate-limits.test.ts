import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus } from "@chat/bus";
import { StoreRequest, type User } from "@chat/contracts";
import { createLogger, loadConfig, newId } from "@chat/runtime";
import { MemoryActorState, type RateLimiter } from "@chat/state";
import { type ServerFrame, WebSocketReader } from "../../../../test/support/websocket-reader.ts";
import { AccessTokens } from "../auth/tokens/access-tokens.ts";
import { createGatewayApp } from "../gateway-app.ts";
import { GatewayConfig } from "../gateway-config.ts";
import { LiveEventHub } from "../live/live-event-hub.ts";
import { CompletionRelay } from "../openai/completion-relay.ts";
import { openAttachmentStorage } from "../uploads/attachment-storage.ts";
import { expectRateLimited } from "./__fixtures__/expect-rate-limited.ts";
import { RateLimitedError, type RateLimitSettings, RateLimits } from "./rate-limits.ts";

const logger = createLogger("rate-limits-test", "silent");
const jwtSecret = "rate-limits-test-secret-that-is-long-enough";

const generous: RateLimitSettings = {
  RATE_LIMIT_IP_PER_MINUTE: 1_000,
  RATE_LIMIT_USER_PER_MINUTE: 1_000,
  RATE_LIMIT_AUTH_PER_MINUTE: 1_000,
  RATE_LIMIT_ACCOUNT_PER_MINUTE: 1_000,
  RATE_LIMIT_WS_FRAMES_PER_MINUTE: 1_000,
  GENERATIONS_PER_USER_PER_MINUTE: 1_000,
  SPEECH_PER_USER_PER_MINUTE: 1_000,
  MAX_STREAMS_PER_USER: 1_000,
};

function userNamed(name: string): User {
  return { id: `user-${name.toLowerCase()}-${newId()}`, email: `${name}@example.test`, name, role: "user" };
}

/** The RATE_LIMITED refusal that `action` must end in. */
async function refusal(action: Promise<unknown>): Promise<RateLimitedError> {
  const error = await action.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof RateLimitedError)) throw new Error(`expected RateLimitedError, got ${error}`);
  return error;
}

describe("RateLimits", () => {
  function limitsWith(settings: Partial<RateLimitSettings>) {
    let clock = Date.UTC(2030, 0, 1);
    const state = new MemoryActorState({ ttlSeconds: 3_600, replayLogMaxLength: 10, now: () => clock });
    const limits = new RateLimits(
      state.rateLimiter,
      { ...generous, ...settings },
      { logger, now: () => clock },
    );
    return {
      limits,
      elapse: (milliseconds: number) => {
        clock += milliseconds;
      },
    };
  }

  test("each limit has its own buckets: per address, per sign-in address, per user, per user's generations and voice requests", async () => {
    const { limits } = limitsWith({
      RATE_LIMIT_IP_PER_MINUTE: 2,
      RATE_LIMIT_AUTH_PER_MINUTE: 1,
      RATE_LIMIT_USER_PER_MINUTE: 2,
      GENERATIONS_PER_USER_PER_MINUTE: 1,
      SPEECH_PER_USER_PER_MINUTE: 1,
    });
    await limits.takeRequest("10.0.0.1");
    await limits.takeRequest("10.0.0.1");
    await refusal(limits.takeRequest("10.0.0.1"));
    await limits.takeRequest("10.0.0.2");

    await limits.takeAuthAttempt("10.0.0.1");
    await refusal(limits.takeAuthAttempt("10.0.0.1"));
    await limits.takeAuthAttempt("10.0.0.2");

    await limits.takeUserRequest("user-a");
    await limits.takeUserRequest("user-a");
    await refusal(limits.takeUserRequest("user-a"));
    await limits.takeUserRequest("user-b");

    await limits.takeGeneration("user-a");
    await refusal(limits.takeGeneration("user-a"));
    await limits.takeGeneration("user-b");

    await limits.takeSpeech("user-a");
    await refusal(limits.takeSpeech("user-a"));
    await limits.takeSpeech("user-b");
  });

  test("the per-account sign-in bucket is its own, keyed by the account's email", async () => {
    const { limits } = limitsWith({ RATE_LIMIT_ACCOUNT_PER_MINUTE: 1, RATE_LIMIT_AUTH_PER_MINUTE: 1 });
    await limits.takeAccountSignIn("ada@example.com");
    const refused = await refusal(limits.takeAccountSignIn("ada@example.com"));
    expect(refused.retryAfterSeconds).toBe(60);
    await limits.takeAccountSignIn("grace@example.com");
    await limits.takeAuthAttempt("10.0.0.1");
  });

  test("a refusal says how long to wait, and after that wait the bucket gives again", async () => {
    const { limits, elapse } = limitsWith({ GENERATIONS_PER_USER_PER_MINUTE: 3 });
    for (let sent = 0; sent < 3; sent++) await limits.takeGeneration("user-a");
    const refused = await refusal(limits.takeGeneration("user-a"));
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.httpStatus).toBe(429);
    expect(refused.retryable).toBe(true);
    expect(refused.retryAfterMs).toBe(20_000);
    expect(refused.retryAfterSeconds).toBe(20);
    expect(refused.message).toBe("Too many messages: at most 3 a minute; retry in 20 s");

    elapse(19_999);
    await refusal(limits.takeGeneration("user-a"));
    elapse(1);
    await limits.takeGeneration("user-a");
  });

  test("Retry-After is in whole seconds, rounded up, and at least 1", () => {
    expect(new RateLimitedError("", 1).retryAfterSeconds).toBe(1);
    expect(new RateLimitedError("", 1_000).retryAfterSeconds).toBe(1);
    expect(new RateLimitedError("", 1_001).retryAfterSeconds).toBe(2);
    expect(new RateLimitedError("", 0).retryAfterSeconds).toBe(1);
  });

  test("a shorter period refills the per-minute limits sooner", async () => {
    let clock = 0;
    const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 10, now: () => clock });
    const limits = new RateLimits(
      state.rateLimiter,
      { ...generous, RATE_LIMIT_IP_PER_MINUTE: 2 },
      { logger, periodSeconds: 1 },
    );
    await limits.takeRequest("10.0.0.1");
    await limits.takeRequest("10.0.0.1");
    expect((await refusal(limits.takeRequest("10.0.0.1"))).retryAfterMs).toBe(500);
    clock += 500;
    await limits.takeRequest("10.0.0.1");
  });

  test("a socket's frame bucket is its own and refills by the clock", () => {
    const { limits, elapse } = limitsWith({ RATE_LIMIT_WS_FRAMES_PER_MINUTE: 2 });
    const first = limits.webSocketFrames();
    const second = limits.webSocketFrames();
    limits.takeFrame(first);
    limits.takeFrame(first);
    expect(() => limits.takeFrame(first)).toThrow(RateLimitedError);
    limits.takeFrame(second);
    elapse(30_000);
    limits.takeFrame(first);
  });

  test("streams are capped per user; releasing one frees its slot", async () => {
    const { limits } = limitsWith({ MAX_STREAMS_PER_USER: 2 });
    const first = await limits.openStream("user-a");
    await limits.openStream("user-a");
    const refused = await refusal(limits.openStream("user-a"));
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await limits.openStream("user-b");
    await first.release();
    await first.release();
    await limits.openStream("user-a");
    await refusal(limits.openStream("user-a"));
  });

  test("countPerUser counts each user the authenticator finds, and nothing when it finds none", async () => {
    const { limits } = limitsWith({ RATE_LIMIT_USER_PER_MINUTE: 2 });
    const ada = userNamed("Ada");
    const grace = userNamed("Grace");
    const calls: string[] = [];
    const authenticator = {
      prefix: "token-",
      async authenticate(token: string): Promise<User> {
        calls.push(token);
        if (token === `${this.prefix}ada`) return ada;
        if (token === `${this.prefix}grace`) return grace;
        throw new Error("unknown");
      },
    };
    const counted = limits.countPerUser(authenticator);
    expect(await counted.authenticate("token-ada")).toEqual(ada);
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(counted.authenticate("token-nobody")).rejects.toThrow("unknown");
    }
    expect(await counted.authenticate("token-ada")).toEqual(ada);
    await refusal(counted.authenticate("token-ada"));
    expect(await counted.authenticate("token-grace")).toEqual(grace);
    expect(calls).toHaveLength(9);
    // The original is left as it was.
    expect(await authenticator.authenticate("token-ada")).toEqual(ada);
  });

  test("while the limiter cannot be reached, requests and streams are let through", async () => {
    const unreachable: RateLimiter = {
      take: () => Promise.reject(new Error("ECONNREFUSED")),
      acquireLease: () => Promise.reject(new Error("ECONNREFUSED")),
      renewLease: () => Promise.reject(new Error("ECONNREFUSED")),
      releaseLease: () => Promise.reject(new Error("ECONNREFUSED")),
    };
    const limits = new RateLimits(unreachable, { ...generous, RATE_LIMIT_IP_PER_MINUTE: 1 }, { logger });
    await limits.takeRequest("10.0.0.1");
    await limits.takeRequest("10.0.0.1");
    await limits.takeGeneration("user-a");
    const lease = await limits.openStream("user-a");
    await lease.release();
  });
});

/**
 * A gateway app in this process, on the in-process bus, with a stand-in for the store: it knows
 * every chat and every API key (`sk-chat-<user id>`), and lists no chats.
 */
class GatewayUnderTest {
  private constructor(
    readonly baseUrl: string,
    private readonly tokens: AccessTokens,
    private readonly close: () => Promise<void>,
  ) {}

  static async start(environment: Record<string, string>, periodSeconds: number): Promise<GatewayUnderTest> {
    const bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
    const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 100 });
    const hub = await LiveEventHub.open(bus, state.replayLog, logger);
    const users = new Map<string, User>();
    await bus.serve<StoreRequest>({ name: "store", schema: StoreRequest }, async (request) => {
      const now = new Date().toISOString();
      switch (request.type) {
        case "store.list_chats":
          return { items: [], nextCursor: null };
        case "store.get_chat":
          return {
            chat: { id: request.chatId, title: "A chat", model: "demo", createdAt: now, lastActivityAt: now },
            messages: [],
            hasOlderMessages: false,
          };
        case "store.find_api_key": {
          const user = [...users.values()].find((known) => request.hash === hashOfKeyFor(known));
          return user
            ? {
                apiKey: { id: newId(), name: "k", prefix: "sk-chat-", createdAt: now, lastUsedAt: null },
                user: { ...user, passwordHash: "", createdAt: now },
              }
            : null;
        }
        default:
          return null;
      }
    });
    const settings = {
      ...loadConfig(GatewayConfig, { JWT_SECRET: jwtSecret, TRUST_PROXY: "true", ...environment }),
      JWT_SECRET: jwtSecret,
    };
    const completions = new CompletionRelay(bus, logger, { newId });
    const uploadsDirectory = mkdtempSync(join(tmpdir(), "rate-limits-uploads-"));
    const app = createGatewayApp({
      bus,
      actorState: state,
      rateLimitPeriodSeconds: periodSeconds,
      hub,
      logger,
      settings,
      frontendDirectory: "frontend/dist",
      readiness: {},
      connections: new Set(),
      webSocketSessions: new Set(),
      completions,
      attachmentStorage: await openAttachmentStorage({ ...settings, DATA_DIR: uploadsDirectory }),
    });
    app.listen({ port: 0, idleTimeout: 0 });
    const gateway = new GatewayUnderTest(
      `http://127.0.0.1:${app.server?.port}`,
      new AccessTokens(jwtSecret, 900, state.revocations),
      async () => {
        await app.server?.stop(true);
        await completions.close();
        await hub.close();
        await bus.close();
        rmSync(uploadsDirectory, { recursive: true, force: true });
      },
    );
    gateway.users = users;
    return gateway;
  }

  private users = new Map<string, User>();

  async stop(): Promise<void> {
    await this.close();
  }

  /** A new user and the Authorization header of their access token. */
  async signIn(name: string): Promise<{ user: User; authorization: string; apiKey: string }> {
    const user = userNamed(name);
    this.users.set(user.id, user);
    return {
      user,
      authorization: `Bearer ${await this.tokens.issue(user, `sign-in-${user.id}`)}`,
      apiKey: apiKeyFor(user),
    };
  }

  async request(
    method: string,
    path: string,
    options: { address?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.address ? { "x-forwarded-for": options.address } : {}),
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON.
    }
    return { status: response.status, headers: response.headers, body };
  }

  /** Opens an SSE stream; the caller aborts `abort` to close it. */
  async openEvents(authorization: string): Promise<{ status: number; body: any; abort: AbortController }> {
    const abort = new AbortController();
    const response = await fetch(`${this.baseUrl}/api/events`, {
      headers: { authorization, accept: "text/event-stream" },
      signal: abort.signal,
    });
    const body = response.status === 200 ? null : await response.json();
    return { status: response.status, body, abort };
  }

  openSocket(authorization: string): Promise<WebSocketReader> {
    return WebSocketReader.open(`${this.baseUrl.replace(/^http/, "ws")}/ws`, { authorization });
  }

  /** The upgrade request by fetch, to see the status and body of a refusal. */
  async upgrade(authorization: string): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${this.baseUrl}/ws`, {
      headers: {
        authorization,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  }
}

function apiKeyFor(user: User): string {
  return `sk-chat-${user.id}`;
}

function hashOfKeyFor(user: User): string {
  return new Bun.CryptoHasher("sha256").update(apiKeyFor(user)).digest("hex");
}

/** Waits for `condition`, polling; for what another side does in its own time (a stream closing). */
async function eventually(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(25);
  }
}

describe("the gateway's HTTP rate limits", () => {
  // A 2 s period: a per-minute figure of 4 refills a token every 500 ms (Retry-After 1).
  const periodSeconds = 2;
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await GatewayUnderTest.start(
      {
        RATE_LIMIT_IP_PER_MINUTE: "4",
        RATE_LIMIT_AUTH_PER_MINUTE: "2",
        RATE_LIMIT_USER_PER_MINUTE: "3",
        RATE_LIMIT_ACCOUNT_PER_MINUTE: "2",
      },
      periodSeconds,
    );
  });
  afterAll(() => gateway?.stop());

  test("IPv6 clients count per /64; an IPv4-mapped address counts as its IPv4 address", async () => {
    for (let host = 1; host <= 4; host++) {
      const address = `2001:db8:aa:bb::${host}`;
      expect((await gateway.request("GET", "/api/chats", { address })).status).toBe(401);
    }
    expectRateLimited(await gateway.request("GET", "/api/chats", { address: "2001:db8:aa:bb:ffff::9" }));
    expect((await gateway.request("GET", "/api/chats", { address: "2001:db8:aa:cc::1" })).status).toBe(401);

    for (let sent = 0; sent < 4; sent++) {
      expect((await gateway.request("GET", "/api/chats", { address: "203.0.113.60" })).status).toBe(401);
    }
    expectRateLimited(await gateway.request("GET", "/api/chats", { address: "::ffff:203.0.113.60" }));
  });

  test("per address: past the limit 429 with Retry-After and the typed body; other addresses go on; it recovers", async () => {
    const address = "203.0.113.10";
    for (let sent = 0; sent < 4; sent++) {
      expect((await gateway.request("GET", "/api/chats", { address })).status).toBe(401);
    }
    const refused = await gateway.request("GET", "/api/chats", { address });
    const retryAfter = expectRateLimited(refused);
    expect(refused.body.error.message).toContain("your address");
    // Anything under /api counts, routes that do not exist included.
    expect((await gateway.request("POST", "/api/no-such-route", { address })).status).toBe(429);

    expect((await gateway.request("GET", "/api/chats", { address: "203.0.113.11" })).status).toBe(401);

    await Bun.sleep(retryAfter * 1_000);
    expect((await gateway.request("GET", "/api/chats", { address })).status).toBe(401);
  });

  test("health checks, the frontend and /swagger are not limited", async () => {
    const address = "203.0.113.20";
    for (let sent = 0; sent < 6; sent++) {
      expect((await gateway.request("GET", "/healthz", { address })).status).toBe(200);
      expect((await gateway.request("GET", "/readyz", { address })).status).toBe(200);
      expect((await gateway.request("GET", "/swagger/json", { address })).status).toBe(200);
      expect((await gateway.request("GET", "/", { address })).status).not.toBe(429);
    }
    expect((await gateway.request("GET", "/api/chats", { address })).status).toBe(401);
  });

  test("under /v1 the refusal is OpenAI's error body, with the code and Retry-After", async () => {
    const address = "203.0.113.30";
    for (let sent = 0; sent < 4; sent++) {
      expect((await gateway.request("GET", "/v1/models", { address })).status).toBe(401);
    }
    const refused = await gateway.request("GET", "/v1/models", { address });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toEqual({
      error: { message: expect.any(String), type: "rate_limit_error", param: null, code: "RATE_LIMITED" },
    });
  });

  test("sign-in, registration and refresh share a tighter bucket per address", async () => {
    const address = "203.0.113.40";
    expect((await gateway.request("POST", "/api/auth/login", { address, body: {} })).status).toBe(400);
    expect((await gateway.request("POST", "/api/auth/register", { address, body: {} })).status).toBe(400);
    const refused = await gateway.request("POST", "/api/auth/refresh", { address });
    expectRateLimited(refused);
    expect(refused.body.error.message).toContain("sign-in attempts");
    // Only the sign-in routes: the address may still call the rest of the API.
    expect((await gateway.request("GET", "/api/chats", { address })).status).toBe(401);
    expect(
      (await gateway.request("POST", "/api/auth/login", { address: "203.0.113.41", body: {} })).status,
    ).toBe(400);
  });

  test("per signed-in user: past the limit 429 even from fresh addresses; other users go on; it recovers", async () => {
    const ada = await gateway.signIn("Ada");
    const grace = await gateway.signIn("Grace");
    const asAda = (address: string) =>
      gateway.request("GET", "/api/chats", { address, headers: { authorization: ada.authorization } });
    for (let sent = 0; sent < 3; sent++) expect((await asAda(`198.51.100.${sent}`)).status).toBe(200);
    const refused = await asAda("198.51.100.3");
    const retryAfter = expectRateLimited(refused);
    expect(refused.body.error.message).toBe(`Too many requests; retry in ${retryAfter} s`);

    const asGrace = await gateway.request("GET", "/api/chats", {
      address: "198.51.100.4",
      headers: { authorization: grace.authorization },
    });
    expect(asGrace.status).toBe(200);

    await Bun.sleep(retryAfter * 1_000);
    expect((await asAda("198.51.100.5")).status).toBe(200);
  });

  test("per user on /v1 too, with the API key's user", async () => {
    const linus = await gateway.signIn("Linus");
    const headers = { authorization: `Bearer ${linus.apiKey}` };
    // Every call is from a new address, so only the user's bucket can refuse.
    const statuses = [];
    for (let sent = 0; sent < 4; sent++) {
      const response = await gateway.request("POST", "/v1/chat/completions", {
        address: `192.0.2.${sent}`,
        headers,
        body: { model: "demo", messages: [] },
      });
      statuses.push(response.status);
      if (response.status === 429) expect(response.body.error.code).toBe("RATE_LIMITED");
    }
    expect(statuses).toEqual([400, 400, 400, 429]);
  });
});

describe("the gateway's per-account sign-in limit", () => {
  // A minute's period, as deployed: three slow sign-ins (password hashing on a busy machine) must
  // not see the bucket refill between them.
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await GatewayUnderTest.start(
      { RATE_LIMIT_AUTH_PER_MINUTE: "100", RATE_LIMIT_ACCOUNT_PER_MINUTE: "2" },
      60,
    );
  });
  afterAll(() => gateway?.stop());

  test("sign-in attempts are limited per account too, from any address, look-alikes of the email included", async () => {
    const login = (email: string, address: string) =>
      gateway.request("POST", "/api/auth/login", { address, body: { email, password: "wrong password" } });
    expect((await login("victim@example.com", "198.51.100.70")).status).toBe(401);
    expect((await login("VICTIM@example.com.", "198.51.100.71")).status).toBe(401);
    const refused = await login("ｖｉｃｔｉｍ@example.com", "2001:db8:70::1");
    expectRateLimited(refused);
    expect(refused.body.error.message).toContain("for this account");

    expect((await login("bystander@example.com", "198.51.100.72")).status).toBe(401);
  });
});

describe("client addresses behind a reverse proxy (X-Forwarded-For)", () => {
  const gateways: GatewayUnderTest[] = [];
  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
  });

  async function gatewayWith(trustProxy: string): Promise<GatewayUnderTest> {
    const gateway = await GatewayUnderTest.start(
      { TRUST_PROXY: trustProxy, RATE_LIMIT_AUTH_PER_MINUTE: "1" },
      60,
    );
    gateways.push(gateway);
    return gateway;
  }

  /** A sign-in as nginx forwards it: the client's own X-Forwarded-For, then the address nginx saw. */
  const signInThroughProxy = (gateway: GatewayUnderTest, client: string, claimed?: string) =>
    gateway.request("POST", "/api/auth/login", {
      headers: { "x-forwarded-for": claimed ? `${claimed}, ${client}` : client },
      body: {},
    });

  test("with TRUST_PROXY, two clients behind the proxy have buckets of their own; a claimed address changes nothing", async () => {
    const gateway = await gatewayWith("true");
    expect((await signInThroughProxy(gateway, "198.51.100.80")).status).toBe(400);
    expect((await signInThroughProxy(gateway, "198.51.100.81")).status).toBe(400);
    expectRateLimited(await signInThroughProxy(gateway, "198.51.100.80", "203.0.113.99"));
  });

  test("without TRUST_PROXY the header is ignored: every client counts as the proxy's address", async () => {
    const gateway = await gatewayWith("false");
    expect((await signInThroughProxy(gateway, "198.51.100.80")).status).toBe(400);
    expectRateLimited(await signInThroughProxy(gateway, "198.51.100.81"));
  });
});

describe("the gateway's stream, frame and message limits", () => {
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await GatewayUnderTest.start(
      { MAX_STREAMS_PER_USER: "2", RATE_LIMIT_WS_FRAMES_PER_MINUTE: "5", MAX_MESSAGE_CHARS: "50" },
      // A frame every 400 ms, so a flooded socket is usable again soon.
      2,
    );
  });
  afterAll(() => gateway?.stop());

  test("a user's streams are capped, SSE and WebSocket together; closing one frees a slot", async () => {
    const ada = await gateway.signIn("Ada");
    const grace = await gateway.signIn("Grace");
    const first = await gateway.openEvents(ada.authorization);
    const socket = await gateway.openSocket(ada.authorization);
    expect(first.status).toBe(200);

    const refusedStream = await gateway.openEvents(ada.authorization);
    expect(refusedStream.status).toBe(429);
    expect(refusedStream.body).toEqual({ error: { code: "RATE_LIMITED", message: expect.any(String) } });
    const refusedUpgrade = await gateway.upgrade(ada.authorization);
    expectRateLimited(refusedUpgrade);
    expect(refusedUpgrade.body.error.message).toContain("at most 2");

    const other = await gateway.openEvents(grace.authorization);
    expect(other.status).toBe(200);

    const opened: AbortController[] = [other.abort];
    try {
      first.abort.abort();
      await eventually(async () => {
        const reopened = await gateway.openEvents(ada.authorization);
        opened.push(reopened.abort);
        return reopened.status === 200;
      });
      expect((await gateway.openEvents(ada.authorization)).status).toBe(429);

      socket.close();
      await socket.closed();
      let reader: WebSocketReader | null = null;
      await eventually(async () => {
        reader = await gateway.openSocket(ada.authorization).catch(() => null);
        return reader !== null;
      });
      (reader as WebSocketReader | null)?.close();
    } finally {
      for (const abort of opened) abort.abort();
    }
  });

  test("a WebSocket frame flood gets RATE_LIMITED error frames, runs nothing, and the socket stays usable", async () => {
    const ada = await gateway.signIn("Ada");
    const socket = await gateway.openSocket(ada.authorization);
    try {
      for (let frame = 0; frame < 8; frame++) socket.send({ type: "ping", requestId: `ping-${frame}` });
      // Malformed frames count too, and are answered as refused.
      socket.send("not json");
      const answers: ServerFrame[] = [];
      for (let frame = 0; frame < 8; frame++) {
        answers.push(await socket.waitFor((sent) => sent.requestId === `ping-${frame}`));
      }
      expect(answers.filter((answer) => answer.type === "pong")).toHaveLength(5);
      const refused = answers.filter((answer) => answer.type === "error");
      expect(refused).toHaveLength(3);
      for (const answer of refused) {
        expect(answer).toEqual({
          type: "error",
          eventId: null,
          code: "RATE_LIMITED",
          error: expect.stringContaining("at most 5 a minute"),
          retryable: true,
          retryAfterMs: expect.any(Number),
          requestId: expect.any(String),
        });
        expect(answer.retryAfterMs).toBeGreaterThan(0);
      }
      expect((await socket.waitFor((sent) => sent.type === "error" && !sent.requestId)).code).toBe(
        "RATE_LIMITED",
      );

      await Bun.sleep(Math.max(...refused.map((answer) => answer.retryAfterMs as number)));
      socket.send({ type: "ping", requestId: "after" });
      expect((await socket.waitFor((sent) => sent.requestId === "after")).type).toBe("pong");
      expect(socket.closeEvent).toBeNull();
    } finally {
      socket.close();
    }
  });

  test("MAX_MESSAGE_CHARS: a longer message answers 400 VALIDATION_FAILED at /content over HTTP and WebSocket", async () => {
    const ada = await gateway.signIn("Ada");
    const tooLong = "x".repeat(51);
    const sent = await gateway.request("POST", "/api/chats/chat-1/messages", {
      headers: { authorization: ada.authorization },
      body: { content: tooLong },
    });
    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "The message is over 50 characters",
        details: [{ path: "/content", message: "must be at most 50 characters, got 51" }],
      },
    });
    // The schema's own bound still holds above the setting.
    const huge = await gateway.request("POST", "/api/chats/chat-1/messages", {
      headers: { authorization: ada.authorization },
      body: { content: "x".repeat(32_001) },
    });
    expect(huge.status).toBe(400);
    expect(huge.body.error.code).toBe("VALIDATION_FAILED");

    const socket = await gateway.openSocket(ada.authorization);
    try {
      socket.send({ type: "chat_message", chatId: "chat-1", content: tooLong, requestId: "long" });
      expect(await socket.waitFor((frame) => frame.requestId === "long")).toEqual({
        type: "error",
        eventId: null,
        code: "VALIDATION_FAILED",
        error: "The message is over 50 characters",
        retryable: false,
        chatId: "chat-1",
        requestId: "long",
        details: [{ path: "/content", message: "must be at most 50 characters, got 51" }],
      });
    } finally {
      socket.close();
    }
  });

  test("MAX_MESSAGE_CHARS bounds a /v1 request's messages together, in OpenAI's error body", async () => {
    const grace = await gateway.signIn("Grace");
    const response = await gateway.request("POST", "/v1/chat/completions", {
      headers: { authorization: `Bearer ${grace.apiKey}` },
      body: {
        model: "demo",
        messages: [
          { role: "system", content: "x".repeat(30) },
          { role: "user", content: [{ type: "text", text: "y".repeat(21) }] },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        message:
          "The messages are over 50 characters together: /messages: must be at most 50 characters together, got 51",
        type: "invalid_request_error",
        param: null,
        code: "VALIDATION_FAILED",
      },
    });
  });
});
