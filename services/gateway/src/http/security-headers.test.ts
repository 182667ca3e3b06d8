import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { securityHeaders, strictContentSecurityPolicy, strictTransportSecurity } from "./security-headers.ts";

describe("securityHeaders", () => {
  const appTrusting = (trustProxy: boolean) =>
    new Elysia().use(securityHeaders({ trustProxy })).get("/api/thing", () => ({ ok: true }));
  const over = (proto: string | null, url = "http://gateway.test/api/thing") =>
    new Request(url, { headers: proto ? { "x-forwarded-proto": proto } : {} });

  test("the strict policy is the one the issue asks for: no inline script or style, no remote image", () => {
    expect(strictContentSecurityPolicy).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
  });

  test("HSTS when a trusted proxy says the request came over TLS, not when it says http", async () => {
    const app = appTrusting(true);
    const overTls = await app.handle(over("https"));
    expect(overTls.headers.get("strict-transport-security")).toBe(strictTransportSecurity);
    expect(strictTransportSecurity).toBe("max-age=31536000; includeSubDomains");
    expect((await app.handle(over("http"))).headers.get("strict-transport-security")).toBeNull();
    expect((await app.handle(over(null))).headers.get("strict-transport-security")).toBeNull();
  });

  test("X-Forwarded-Proto is ignored without TRUST_PROXY; a TLS request itself still gets HSTS", async () => {
    const app = appTrusting(false);
    expect((await app.handle(over("https"))).headers.get("strict-transport-security")).toBeNull();
    const direct = await app.handle(over(null, "https://gateway.test/api/thing"));
    expect(direct.headers.get("strict-transport-security")).toBe(strictTransportSecurity);
  });
});
