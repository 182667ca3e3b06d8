import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient, defaultPassword } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { sendRawRequest } from "../support/raw-request.ts";
import { webSocketHandshake } from "../support/websocket-handshake.ts";

const listedOrigin = "https://app.example.test";
/** Same site as the gateway (127.0.0.1), another origin: SameSite=Lax cookies still go along. */
const sameSiteAttacker = "http://127.0.0.1:1";
const crossSiteAttacker = "http://localhost:1";

describe("cross-site requests against a running gateway (crafted headers)", () => {
  let server: EmbeddedServer;
  let victim: ChatApiClient;
  let victimEmail: string;
  /** The victim's cookies, as their browser sends them on every request to the gateway. */
  let cookie: string;

  const chatCount = async () => (await victim.request("GET", "/api/chats")).body.chats.length as number;
  const keyCount = async () => (await victim.request("GET", "/api/keys")).body.keys.length as number;
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    sendRawRequest(server.baseUrl, { method, path, headers, body });

  beforeAll(async () => {
    server = await startEmbeddedServer({ CORS_ORIGINS: listedOrigin });
    victim = new ChatApiClient(server.baseUrl);
    const registered = await victim.register("Victim");
    expect(registered.status).toBe(201);
    victimEmail = registered.body.user.email;
    cookie = victim.cookieHeader();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("a JSON request with the cookie from another origin of the same site, another site or no page is 403 FORBIDDEN_ORIGIN", async () => {
    const before = { chats: await chatCount(), keys: await keyCount() };
    const json = { cookie, "content-type": "application/json" };
    for (const origin of [sameSiteAttacker, crossSiteAttacker, "null", undefined]) {
      const headers = origin === undefined ? json : { ...json, origin };
      const chat = await send("POST", "/api/chats", headers, "{}");
      expect({ origin, status: chat.status, body: chat.json }).toEqual({
        origin,
        status: 403,
        body: { error: { code: "FORBIDDEN_ORIGIN", message: expect.any(String) } },
      });
      expect((await send("POST", "/api/keys", headers, '{"name":"stolen"}')).status).toBe(403);
    }
    expect({ chats: await chatCount(), keys: await keyCount() }).toEqual(before);
  });

  test("with the cookie from the gateway's own page, Sec-Fetch-Site: same-origin or CORS_ORIGINS, it works", async () => {
    const json = { cookie, "content-type": "application/json" };
    expect((await send("POST", "/api/chats", { ...json, origin: server.baseUrl }, "{}")).status).toBe(201);
    expect(
      (await send("POST", "/api/chats", { ...json, "sec-fetch-site": "same-origin" }, "{}")).status,
    ).toBe(201);
    const listed = await send("POST", "/api/chats", { ...json, origin: listedOrigin }, "{}");
    expect(listed.status).toBe(201);
    expect(listed.headers.get("access-control-allow-origin")).toBe(listedOrigin);
  });

  test("a form, text or untyped body is 415 UNSUPPORTED_MEDIA_TYPE, even from the gateway's own page", async () => {
    const before = await chatCount();
    const own = { cookie, origin: server.baseUrl };
    const chatId = (await victim.request("POST", "/api/chats", {})).body.id as string;
    for (const contentType of [
      "application/x-www-form-urlencoded",
      "text/plain",
      "multipart/form-data; boundary=b",
    ]) {
      const answer = await send("POST", "/api/chats", { ...own, "content-type": contentType }, "title=x");
      expect({ contentType, status: answer.status, body: answer.json }).toEqual({
        contentType,
        status: 415,
        body: { error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the body as application/json" } },
      });
    }
    // What `fetch(url, {mode: "no-cors", body: "..."})` sends: text/plain, with a JSON text.
    const message = JSON.stringify({ content: "sent by another page", clientMessageId: crypto.randomUUID() });
    const noCors = await send(
      "POST",
      `/api/chats/${chatId}/messages`,
      { ...own, "content-type": "text/plain;charset=UTF-8" },
      message,
    );
    expect(noCors.status).toBe(415);
    expect((await victim.request("GET", `/api/chats/${chatId}/messages`)).body.messages).toEqual([]);
    expect(await chatCount()).toBe(before + 1);
  });

  test("a Bearer client without cookies keeps working from any origin; /v1 answers 415 in OpenAI's shape", async () => {
    const headers = {
      authorization: `Bearer ${victim.token}`,
      "content-type": "application/json",
      origin: crossSiteAttacker,
    };
    expect((await send("POST", "/api/chats", headers, "{}")).status).toBe(201);
    const key = await victim.request("POST", "/api/keys", { name: "tool" });
    expect(key.status).toBe(201);
    const completion = await send(
      "POST",
      "/v1/chat/completions",
      { authorization: `Bearer ${key.body.key}`, "content-type": "text/plain" },
      JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hi" }] }),
    );
    expect(completion.status).toBe(415);
    expect(completion.json.error).toMatchObject({
      code: "UNSUPPORTED_MEDIA_TYPE",
      type: "invalid_request_error",
    });
  });

  test("login and register from another page are refused even without a cookie (login CSRF); API clients without an Origin sign in", async () => {
    const attacker = new ChatApiClient(server.baseUrl);
    const attackerEmail = (await attacker.register("Attacker")).body.user.email;
    const credentials = JSON.stringify({ email: attackerEmail, password: defaultPassword });
    for (const origin of [sameSiteAttacker, crossSiteAttacker]) {
      const login = await send(
        "POST",
        "/api/auth/login",
        { "content-type": "application/json", origin },
        credentials,
      );
      expect(login.status).toBe(403);
      expect(login.json.error.code).toBe("FORBIDDEN_ORIGIN");
      expect(login.headers.getSetCookie()).toEqual([]);
      const register = await send(
        "POST",
        "/api/auth/register",
        { "content-type": "application/json", origin },
        JSON.stringify({
          email: `x-${crypto.randomUUID()}@example.test`,
          password: defaultPassword,
          name: "X",
        }),
      );
      expect(register.status).toBe(403);
    }
    expect(
      (await send("POST", "/api/auth/login", { "content-type": "application/json" }, credentials)).status,
    ).toBe(200);
  });

  test("logout and refresh from another page leave the victim signed in", async () => {
    for (const path of ["/api/auth/logout", "/api/auth/refresh"]) {
      const answer = await send("POST", path, { cookie, origin: sameSiteAttacker });
      expect(answer.status).toBe(403);
      expect(answer.headers.getSetCookie()).toEqual([]);
    }
    const me = await send("GET", "/api/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe(victimEmail);
  });

  test("two session cookies, or two refresh cookies, are refused 400 DUPLICATE_COOKIE, not answered for the first", async () => {
    const attacker = new ChatApiClient(server.baseUrl);
    await attacker.register("Planter");
    const planted = attacker.cookies.get("chat_session") as string;
    const mine = victim.cookies.get("chat_session") as string;
    for (const header of [
      `chat_session=${planted}; chat_session=${mine}`,
      `chat_session=${planted}; __Host-chat_session=${mine}`,
    ]) {
      const me = await send("GET", "/api/me", { cookie: header });
      expect({ status: me.status, code: me.json.error?.code }).toEqual({
        status: 400,
        code: "DUPLICATE_COOKIE",
      });
    }
    const refresh = await send("POST", "/api/auth/refresh", {
      cookie: `chat_refresh=${attacker.cookies.get("chat_refresh")}; chat_refresh=${victim.cookies.get("chat_refresh")}`,
      origin: server.baseUrl,
    });
    expect({ status: refresh.status, code: refresh.json.error?.code }).toEqual({
      status: 400,
      code: "DUPLICATE_COOKIE",
    });
  });

  test("the WebSocket upgrade with the cookie takes the same policy: another origin or none is 403", async () => {
    const url = `${server.baseUrl.replace("http", "ws")}/ws`;
    const refused: Array<Record<string, string>> = [
      { cookie, origin: sameSiteAttacker },
      { cookie, origin: crossSiteAttacker },
      { cookie },
    ];
    for (const headers of refused) {
      const answer = await webSocketHandshake(url, headers);
      expect({ status: answer.status, code: JSON.parse(answer.body).error.code }).toEqual({
        status: 403,
        code: "FORBIDDEN_ORIGIN",
      });
    }
    expect((await webSocketHandshake(url, { cookie, origin: server.baseUrl })).status).toBe(101);
    expect((await webSocketHandshake(url, { authorization: `Bearer ${victim.token}` })).status).toBe(101);
  });
});

describe("cookies behind TLS (COOKIE_SECURE=true): __Host- and __Secure- names", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({ COOKIE_SECURE: "true" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The page the browser shows the app in: TLS ends in front of the gateway. */
  const ownPage = () => server.baseUrl.replace("http:", "https:");

  test("sign-in sets the prefixed cookies and clears plain ones; only the prefixed names sign in", async () => {
    const client = new ChatApiClient(server.baseUrl);
    const registered = await client.register("Secure");
    expect(registered.status).toBe(201);
    const names = registered.headers.getSetCookie().map((line) => line.split(";")[0]);
    expect(names).toEqual([
      `__Host-chat_session=${client.token}`,
      expect.stringMatching(/^__Secure-chat_refresh=.+/),
      "chat_session=",
      "chat_refresh=",
    ]);
    const me = (cookie: string) =>
      sendRawRequest(server.baseUrl, { method: "GET", path: "/api/me", headers: { cookie } });
    expect((await me(`__Host-chat_session=${client.token}`)).status).toBe(200);
    // A plain name could come from a sibling subdomain (Domain=parent): it signs in nobody.
    const plain = await me(`chat_session=${client.token}`);
    expect({ status: plain.status, code: plain.json.error.code }).toEqual({
      status: 401,
      code: "UNAUTHORIZED",
    });
    const both = await me(`chat_session=${client.token}; __Host-chat_session=${client.token}`);
    expect({ status: both.status, code: both.json.error.code }).toEqual({
      status: 400,
      code: "DUPLICATE_COOKIE",
    });
  });

  test("the https page of the gateway's host is its own origin; another port is not", async () => {
    const client = new ChatApiClient(server.baseUrl);
    await client.register("Pages");
    const cookie = `__Host-chat_session=${client.token}`;
    const create = (origin: string) =>
      sendRawRequest(server.baseUrl, {
        method: "POST",
        path: "/api/chats",
        headers: { cookie, origin, "content-type": "application/json" },
        body: "{}",
      });
    expect((await create(ownPage())).status).toBe(201);
    expect((await create(ownPage().replace(/:\d+$/, ":1"))).status).toBe(403);
    const refresh = await sendRawRequest(server.baseUrl, {
      method: "POST",
      path: "/api/auth/refresh",
      headers: {
        cookie: `__Secure-chat_refresh=${client.cookies.get("__Secure-chat_refresh")}`,
        origin: ownPage(),
      },
    });
    expect(refresh.status).toBe(200);
    expect(refresh.headers.getSetCookie()[0]).toStartWith("__Host-chat_session=");
  });
});
