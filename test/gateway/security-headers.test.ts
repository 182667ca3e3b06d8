import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { strictContentSecurityPolicy, strictTransportSecurity } from "@chat/gateway";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { upgradeHeaders } from "../support/websocket-handshake.ts";

const allowedOrigin = "https://app.example.test";
const maxBodyBytes = 4 * 1024;

/** What every response carries, whatever its kind. */
function expectBaseHeaders(response: Response, what: string): void {
  const headers = Object.fromEntries(response.headers);
  expect({ what, nosniff: headers["x-content-type-options"] }).toEqual({ what, nosniff: "nosniff" });
  expect({ what, referrer: headers["referrer-policy"] }).toEqual({ what, referrer: "no-referrer" });
  expect({ what, frame: headers["x-frame-options"] }).toEqual({ what, frame: "DENY" });
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toContain("object-src 'none'");
  expect(headers["content-security-policy"]).toContain("base-uri 'none'");
}

describe("security headers and CORS on the running gateway", () => {
  let server: EmbeddedServer;
  let client: ChatApiClient;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      TRUST_PROXY: "true",
      CORS_ORIGINS: allowedOrigin,
      MAX_BODY_BYTES: String(maxBodyBytes),
    });
    client = new ChatApiClient(server.baseUrl);
    expect((await client.register("Hedy")).status).toBe(201);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, { headers });
  const signedIn = () => ({ authorization: `Bearer ${client.token}` });

  test("the HTML: strict policy, no framing, no referrer, nosniff", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expectBaseHeaders(page, "html");
    expect(page.headers.get("content-security-policy")).toBe(strictContentSecurityPolicy);
    expect(page.headers.get("strict-transport-security")).toBeNull();

    const assets = readdirSync(join(import.meta.dir, "../../frontend/dist/assets"));
    const script = assets.find((name) => name.endsWith(".js")) as string;
    const asset = await get(`/assets/${script}`);
    expect(asset.status).toBe(200);
    expectBaseHeaders(asset, "asset");
  });

  test("API answers and API errors: the same, and never stored", async () => {
    const kinds: Array<[string, Response, number]> = [
      ["json", await get("/api/me", signedIn()), 200],
      ["401", await get("/api/me"), 401],
      ["404 chat", await get("/api/chats/nope", signedIn()), 404],
      ["404 route", await get("/api/no-such-route"), 404],
      ["400", await get("/api/chats?limit=0", signedIn()), 400],
      [
        "413",
        await fetch(`${server.baseUrl}/api/chats`, {
          method: "POST",
          headers: { ...signedIn(), "content-type": "application/json" },
          body: JSON.stringify({ title: "x".repeat(maxBodyBytes) }),
        }),
        413,
      ],
      ["v1 401", await get("/v1/models"), 401],
    ];
    for (const [what, response, status] of kinds) {
      expect({ what, status: response.status }).toEqual({ what, status });
      expectBaseHeaders(response, what);
      expect({ what, policy: response.headers.get("content-security-policy") }).toEqual({
        what,
        policy: strictContentSecurityPolicy,
      });
      expect({ what, cache: response.headers.get("cache-control") }).toEqual({ what, cache: "no-store" });
    }
    const outside = await get("/no-such-page");
    expectBaseHeaders(outside, "404 outside /api");
    expect(outside.headers.get("cache-control")).toBeNull();
  });

  test("a stream and a refused WebSocket upgrade carry them too", async () => {
    const abort = new AbortController();
    const stream = await fetch(`${server.baseUrl}/api/events`, { headers: signedIn(), signal: abort.signal });
    expect(stream.status).toBe(200);
    expectBaseHeaders(stream, "sse");
    abort.abort();

    const upgrade = await get("/ws", {
      ...signedIn(),
      origin: "https://evil.example",
      ...upgradeHeaders,
    });
    expect(upgrade.status).toBe(403);
    expectBaseHeaders(upgrade, "ws 403");
  });

  test("HSTS only when the trusted proxy says TLS", async () => {
    for (const path of ["/", "/api/me", "/healthz"]) {
      const overTls = await get(path, { "x-forwarded-proto": "https" });
      expect(overTls.headers.get("strict-transport-security")).toBe(strictTransportSecurity);
      const plain = await get(path, { "x-forwarded-proto": "http" });
      expect(plain.headers.get("strict-transport-security")).toBeNull();
    }
  });

  test("/swagger runs under the strict policy: Swagger UI's own files, no inline script, no CDN", async () => {
    const page = await get("/swagger");
    expect(page.status).toBe(200);
    expectBaseHeaders(page, "swagger");
    expect(page.headers.get("content-security-policy")).toBe(strictContentSecurityPolicy);
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<style>|https?:\/\//);
    for (const asset of ["swagger-ui.css", "swagger-ui-bundle.js", "start.js"]) {
      expect(html).toContain(`/swagger/assets/${asset}`);
      expect((await get(`/swagger/assets/${asset}`)).status).toBe(200);
    }
    // Only the files the page loads: nothing else of the package, no path out of it.
    expect((await get("/swagger/assets/index.html")).status).toBe(404);
    expect((await get("/swagger/assets/..%2F..%2Fpackage.json")).status).toBe(404);

    const document = await get("/swagger/json");
    expect(document.headers.get("content-security-policy")).toBe(strictContentSecurityPolicy);
  });

  test("CORS on real routes: a listed origin's preflight and request; a foreign origin gets nothing", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/api/chats`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    const allowed = await preflight(allowedOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(allowed.headers.get("access-control-max-age")).toBe("600");
    expect(allowed.headers.get("vary")).toBe("Origin");
    expectBaseHeaders(allowed, "preflight");

    const foreign = await preflight("https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("access-control-allow-methods")).toBeNull();

    const fromListed = await get("/api/me", { ...signedIn(), origin: allowedOrigin });
    expect(fromListed.status).toBe(200);
    expect(fromListed.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    const fromForeign = await get("/api/me", { ...signedIn(), origin: "https://evil.example" });
    expect(fromForeign.headers.get("access-control-allow-origin")).toBeNull();
    const sameOrigin = await get("/api/me", { ...signedIn(), origin: server.baseUrl });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.headers.get("access-control-allow-origin")).toBeNull();
  });
});
