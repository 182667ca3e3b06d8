import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { hashRefreshToken } from "@chat/gateway";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

const password = "correct horse battery";

/** The cookies a response sets: name → { value, the attributes after it }. */
function setCookies(response: Response): Map<string, { value: string; attributes: string }> {
  const cookies = new Map<string, { value: string; attributes: string }>();
  for (const line of response.headers.getSetCookie()) {
    const [pair = "", ...attributes] = line.split(";");
    const [name = "", ...value] = pair.split("=");
    cookies.set(name.trim(), { value: value.join("="), attributes: attributes.join(";").trim() });
  }
  return cookies;
}

type Answer = { status: number; body: any; response: Response };

async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      // As the app's own page sends it: other pages are refused (origin-policy.ts).
      origin: baseUrl,
      ...(options.body !== undefined && { "content-type": "application/json" }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, response };
}

function uniqueEmail(name: string): string {
  return `${name.toLowerCase()}-${crypto.randomUUID()}@example.test`;
}

/** Registers a new account; its tokens and cookies. */
async function register(baseUrl: string, name: string, email = uniqueEmail(name)) {
  const answer = await call(baseUrl, "POST", "/api/auth/register", { body: { email, password, name } });
  expect(answer.status).toBe(201);
  const cookies = setCookies(answer.response);
  return {
    email,
    user: answer.body.user,
    accessToken: answer.body.accessToken as string,
    refreshToken: cookies.get("chat_refresh")?.value as string,
    cookies,
  };
}

/** The status of GET /api/me with `accessToken` as a Bearer token. */
async function meStatus(baseUrl: string, accessToken: string): Promise<number> {
  return (await call(baseUrl, "GET", "/api/me", { headers: { authorization: `Bearer ${accessToken}` } }))
    .status;
}

function refreshWithCookie(baseUrl: string, refreshToken: string): Promise<Answer> {
  return call(baseUrl, "POST", "/api/auth/refresh", { headers: { cookie: `chat_refresh=${refreshToken}` } });
}

describe("accounts, sessions and refresh tokens (AUTH_MODE=local)", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({ TRUST_PROXY: "true" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("register sets the session cookie and an httpOnly, SameSite=Strict refresh cookie for /api/auth", async () => {
    const { cookies, accessToken, refreshToken } = await register(server.baseUrl, "Ada");

    expect(cookies.get("chat_session")?.value).toBe(accessToken);
    expect(cookies.get("chat_session")?.attributes).toBe("Path=/; HttpOnly; SameSite=Lax; Max-Age=900");
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies.get("chat_refresh")?.attributes).toBe(
      `Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=${30 * 24 * 3600}`,
    );
  });

  test("login answers the user and tokens; the refresh token is in the body only when asked for", async () => {
    const { email } = await register(server.baseUrl, "Grace");
    const login = await call(server.baseUrl, "POST", "/api/auth/login", { body: { email, password } });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(["accessToken", "user"]);
    expect([...setCookies(login.response).keys()]).toEqual(["chat_session", "chat_refresh"]);

    const asked = await call(server.baseUrl, "POST", "/api/auth/login", {
      body: { email, password, refreshTokenInBody: true },
    });
    expect(asked.body.refreshToken).toBe(setCookies(asked.response).get("chat_refresh")?.value);
  });

  test("over TLS (X-Forwarded-Proto from a trusted proxy) the cookies are Secure, __Host-/__Secure-, and plain ones are cleared", async () => {
    const answer = await call(server.baseUrl, "POST", "/api/auth/register", {
      body: { email: uniqueEmail("Tls"), password, name: "Tls" },
      headers: { "x-forwarded-proto": "https", origin: server.baseUrl.replace("http:", "https:") },
    });
    const cookies = setCookies(answer.response);
    expect(cookies.get("__Host-chat_session")?.value).toBe(answer.body.accessToken);
    expect(cookies.get("__Host-chat_session")?.attributes).toBe(
      "Path=/; HttpOnly; SameSite=Lax; Max-Age=900; Secure",
    );
    expect(cookies.get("__Secure-chat_refresh")?.attributes).toBe(
      `Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=${30 * 24 * 3600}; Secure`,
    );
    // A browser that kept plain cookies from before would otherwise send two of each.
    expect(cookies.get("chat_session")).toEqual({
      value: "",
      attributes: expect.stringContaining("Max-Age=0"),
    });
    expect(cookies.get("chat_refresh")).toEqual({
      value: "",
      attributes: expect.stringContaining("Max-Age=0"),
    });
  });

  test("the access token: HS256, typ at+jwt, sub the user id, iss, aud, iat, exp 15 minutes on, a jti, a sid", async () => {
    const { accessToken, user, refreshToken } = await register(server.baseUrl, "Claims");
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: "HS256", typ: "at+jwt" });
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({ sub: user.id, iss: "chat-gateway", aud: "chat-api" });
    expect(claims.sid).toEqual(expect.any(String));
    const refreshed = await refreshWithCookie(server.baseUrl, refreshToken);
    expect(decodeJwt(refreshed.body.accessToken).sid).toBe(claims.sid as string);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    const another = await register(server.baseUrl, "Claims");
    expect(decodeJwt(another.accessToken).jti).not.toBe(claims.jti);
  });

  test("refresh rotates: a new access token that works, new cookies, and the used token is spent", async () => {
    const session = await register(server.baseUrl, "Rotate");
    const refreshed = await refreshWithCookie(server.baseUrl, session.refreshToken);

    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user).toEqual(session.user);
    expect(refreshed.body.refreshToken).toBeUndefined();
    const cookies = setCookies(refreshed.response);
    expect(cookies.get("chat_session")?.value).toBe(refreshed.body.accessToken);
    const next = cookies.get("chat_refresh")?.value as string;
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next).not.toBe(session.refreshToken);

    const me = await call(server.baseUrl, "GET", "/api/me", {
      headers: { authorization: `Bearer ${refreshed.body.accessToken}` },
    });
    expect(me.body.user).toEqual(session.user);
    expect((await refreshWithCookie(server.baseUrl, next)).status).toBe(200);
  });

  test("reusing a used refresh token revokes the whole family: its newest token stops working too", async () => {
    const session = await register(server.baseUrl, "Reuse");
    const second = setCookies((await refreshWithCookie(server.baseUrl, session.refreshToken)).response).get(
      "chat_refresh",
    )?.value as string;
    const third = setCookies((await refreshWithCookie(server.baseUrl, second)).response).get("chat_refresh")
      ?.value as string;

    const reuse = await refreshWithCookie(server.baseUrl, session.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe("UNAUTHORIZED");
    expect(reuse.body.error.message).toContain("used before");
    const cleared = setCookies(reuse.response);
    expect(cleared.get("chat_refresh")?.attributes).toContain("Max-Age=0");
    expect(cleared.get("chat_session")?.attributes).toContain("Max-Age=0");

    const newest = await refreshWithCookie(server.baseUrl, third);
    expect(newest.status).toBe(401);
    expect(newest.body.error.message).toContain("revoked");
  });

  test("a reuse also stops the family's access tokens at once; another sign-in's keep working", async () => {
    const session = await register(server.baseUrl, "Stolen");
    const login = await call(server.baseUrl, "POST", "/api/auth/login", {
      body: { email: session.email, password },
    });
    const rotated = await refreshWithCookie(server.baseUrl, session.refreshToken);
    expect(await meStatus(server.baseUrl, rotated.body.accessToken)).toBe(200);

    expect((await refreshWithCookie(server.baseUrl, session.refreshToken)).status).toBe(401);
    for (const accessToken of [session.accessToken, rotated.body.accessToken]) {
      const me = await call(server.baseUrl, "GET", "/api/me", {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(me.status).toBe(401);
      expect(me.body.error).toEqual({
        code: "UNAUTHORIZED",
        message: "This sign-in has ended: sign in again",
      });
    }
    expect(await meStatus(server.baseUrl, login.body.accessToken)).toBe(200);
  });

  test("another sign-in of the same user is another family: a reuse in one leaves the other alone", async () => {
    const session = await register(server.baseUrl, "Families");
    const login = await call(server.baseUrl, "POST", "/api/auth/login", {
      body: { email: session.email, password },
    });
    const otherDevice = setCookies(login.response).get("chat_refresh")?.value as string;

    await refreshWithCookie(server.baseUrl, session.refreshToken);
    expect((await refreshWithCookie(server.baseUrl, session.refreshToken)).status).toBe(401);
    expect((await refreshWithCookie(server.baseUrl, otherDevice)).status).toBe(200);
  });

  test("clients without cookies refresh with {refreshToken} and get the next one in the body", async () => {
    const email = uniqueEmail("Cli");
    const registered = await call(server.baseUrl, "POST", "/api/auth/register", {
      body: { email, password, name: "Cli", refreshTokenInBody: true },
    });
    const first = registered.body.refreshToken as string;

    const refreshed = await call(server.baseUrl, "POST", "/api/auth/refresh", {
      body: { refreshToken: first },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(refreshed.body.refreshToken).not.toBe(first);
    const again = await call(server.baseUrl, "POST", "/api/auth/refresh", {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(again.status).toBe(200);
    expect(
      (await call(server.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: first } })).status,
    ).toBe(401);
  });

  test("logout revokes the family and clears both cookies", async () => {
    const session = await register(server.baseUrl, "Logout");
    const logout = await call(server.baseUrl, "POST", "/api/auth/logout", {
      headers: { cookie: `chat_session=${session.accessToken}; chat_refresh=${session.refreshToken}` },
    });

    expect(logout.status).toBe(204);
    const cookies = setCookies(logout.response);
    expect(cookies.get("chat_session")).toEqual({
      value: "",
      attributes: expect.stringContaining("Max-Age=0"),
    });
    expect(cookies.get("chat_refresh")).toEqual({
      value: "",
      attributes: expect.stringContaining("Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=0"),
    });
    expect((await refreshWithCookie(server.baseUrl, session.refreshToken)).status).toBe(401);
  });

  test("after logout the access token of that sign-in is refused, by header and by cookie, on every route", async () => {
    const session = await register(server.baseUrl, "Gone");
    const otherDevice = await call(server.baseUrl, "POST", "/api/auth/login", {
      body: { email: session.email, password },
    });
    const chat = await call(server.baseUrl, "POST", "/api/chats", {
      body: {},
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(chat.status).toBe(201);
    await call(server.baseUrl, "POST", "/api/auth/logout", {
      headers: { cookie: `chat_session=${session.accessToken}; chat_refresh=${session.refreshToken}` },
    });

    expect(await meStatus(server.baseUrl, session.accessToken)).toBe(401);
    const presentations: Array<Record<string, string>> = [
      { authorization: `Bearer ${session.accessToken}` },
      { cookie: `chat_session=${session.accessToken}` },
    ];
    for (const headers of presentations) {
      expect((await call(server.baseUrl, "GET", `/api/chats/${chat.body.id}`, { headers })).status).toBe(401);
      expect((await call(server.baseUrl, "POST", "/api/stream-tickets", { headers })).status).toBe(401);
    }
    expect(await meStatus(server.baseUrl, otherDevice.body.accessToken)).toBe(200);
  });

  test("logout by body revokes that family; logout without any token just clears the cookies", async () => {
    const registered = await call(server.baseUrl, "POST", "/api/auth/register", {
      body: { email: uniqueEmail("Out"), password, name: "Out", refreshTokenInBody: true },
    });
    const { refreshToken } = registered.body;
    const logout = await call(server.baseUrl, "POST", "/api/auth/logout", { body: { refreshToken } });
    expect(logout.status).toBe(204);
    expect(await meStatus(server.baseUrl, registered.body.accessToken)).toBe(401);
    expect((await call(server.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken } })).status).toBe(
      401,
    );
    expect((await call(server.baseUrl, "POST", "/api/auth/logout")).status).toBe(204);
  });

  test("an expired refresh token is refused", async () => {
    const session = await register(server.baseUrl, "Expired");
    const database = new Database(join(server.dataDirectory, "chat.sqlite"));
    database.run("PRAGMA busy_timeout = 5000");
    database.run("UPDATE refresh_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE hash = ?", [
      hashRefreshToken(session.refreshToken),
    ]);
    database.close();

    const refused = await refreshWithCookie(server.baseUrl, session.refreshToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain("expired");
  });

  test("no refresh token, an unknown one, or junk answers 401 UNAUTHORIZED, never 500", async () => {
    const unknown = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    const answers = await Promise.all([
      call(server.baseUrl, "POST", "/api/auth/refresh"),
      call(server.baseUrl, "POST", "/api/auth/refresh", { body: {} }),
      refreshWithCookie(server.baseUrl, unknown),
      refreshWithCookie(server.baseUrl, "not-a-token"),
      call(server.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: "x".repeat(256) } }),
      call(server.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: "" } }),
      call(server.baseUrl, "POST", "/api/auth/refresh", { headers: { "content-type": "application/json" } }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe("UNAUTHORIZED");
    }
    const unknownField = await call(server.baseUrl, "POST", "/api/auth/refresh", {
      body: { token: unknown },
    });
    expect(unknownField.status).toBe(400);
  });

  describe("emails", () => {
    test("an email is stored normalized, and its look-alikes (case, fullwidth, trailing dot) are taken", async () => {
      const local = `kate-${crypto.randomUUID()}`;
      const registered = await register(server.baseUrl, "Kate", `${local.toUpperCase()}@Example.COM.`);
      expect(registered.user.email).toBe(`${local}@example.com`);

      const fullwidth = [...local].map((character) =>
        /[a-z]/.test(character)
          ? String.fromCodePoint((character.codePointAt(0) as number) + 0xfee0)
          : character,
      );
      for (const email of [
        `${local}@example.com`,
        `${fullwidth.join("")}@example.com`,
        `${local}@EXAMPLE.com.`,
      ]) {
        const again = await call(server.baseUrl, "POST", "/api/auth/register", {
          body: { email, password, name: "Kate again" },
        });
        expect(again.status).toBe(409);
        expect(again.body.error.code).toBe("EMAIL_TAKEN");
        const login = await call(server.baseUrl, "POST", "/api/auth/login", { body: { email, password } });
        expect(login.body.user?.id).toBe(registered.user.id);
      }
    });

    test("an email with a control or zero-width character is refused: 400 VALIDATION_FAILED at /email", async () => {
      for (const invisible of ["\u200b", "\u200d", "\u00ad", "\u202e", "\u0000", "\u001b"]) {
        const answer = await call(server.baseUrl, "POST", "/api/auth/register", {
          body: { email: `ze${invisible}ro-${crypto.randomUUID()}@example.com`, password, name: "Zero" },
        });
        expect(answer.status).toBe(400);
        expect(answer.body.error).toEqual({
          code: "VALIDATION_FAILED",
          message: "The email must not contain control or invisible characters",
          details: [
            { path: "/email", message: "The email must not contain control or invisible characters" },
          ],
        });
      }
    });
  });

  describe("password policy", () => {
    async function refused(body: { email: string; password: string; name: string }) {
      const answer = await call(server.baseUrl, "POST", "/api/auth/register", { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
      expect(answer.body.error.details).toEqual([{ path: "/password", message: expect.any(String) }]);
      return answer.body.error.details[0].message as string;
    }

    test("shorter than PASSWORD_MIN_LENGTH (10) is refused", async () => {
      expect(await refused({ email: uniqueEmail("Short"), password: "nine char", name: "Short" })).toContain(
        "at least 10",
      );
    });

    test("the email, the part before the @, or the name, in any case, is refused", async () => {
      const email = uniqueEmail("Lovelace");
      await refused({ email, password: email.toUpperCase(), name: "Ada" });
      await refused({ email, password: email.split("@")[0] as string, name: "Ada" });
      await refused({ email, password: "ADA LOVELACE", name: "Ada Lovelace" });
    });

    test("one character repeated is refused", async () => {
      await refused({ email: uniqueEmail("Repeat"), password: "aaaaaaaaaaaa", name: "Repeat" });
    });

    test("a password that passes registers", async () => {
      const answer = await call(server.baseUrl, "POST", "/api/auth/register", {
        body: { email: uniqueEmail("Fine"), password: "tr0ub4dor&3xyz", name: "Fine" },
      });
      expect(answer.status).toBe(201);
    });
  });
});

describe("roles", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({ ADMIN_EMAILS: " Boss@Example.com , other@example.com" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("the first account is admin, the second is not, an ADMIN_EMAILS one is (in any case)", async () => {
    const first = await register(server.baseUrl, "First");
    const second = await register(server.baseUrl, "Second");
    const boss = await register(server.baseUrl, "Boss", "boss@EXAMPLE.com");

    expect(first.user.role).toBe("admin");
    expect(second.user.role).toBe("user");
    expect(boss.user.role).toBe("admin");
    expect(decodeJwt(boss.accessToken).role).toBe("admin");

    const me = await call(server.baseUrl, "GET", "/api/me", {
      headers: { authorization: `Bearer ${second.accessToken}` },
    });
    expect(me.body.user.role).toBe("user");
    const login = await call(server.baseUrl, "POST", "/api/auth/login", {
      body: { email: first.email, password },
    });
    expect(login.body.user.role).toBe("admin");
    const refreshed = await refreshWithCookie(server.baseUrl, boss.refreshToken);
    expect(refreshed.body.user.role).toBe("admin");
  });
});
