import { describe, expect, test } from "bun:test";
import {
  crossSiteRefusal,
  isAllowedInitiator,
  type OriginPolicySettings,
  ownOrigins,
} from "./origin-policy.ts";

const settings: OriginPolicySettings = {
  allowedOrigins: new Set(["https://app.example.test"]),
  trustProxy: false,
  cookieSecure: false,
};

/** A request to the gateway at chat.example.test:8080 over plain http, as the server sees it. */
function requestTo(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Request(`http://chat.example.test:8080${path}`, {
    method: init.method ?? "POST",
    headers: { host: "chat.example.test:8080", ...init.headers },
    body: init.body,
  });
}

function refusalOf(request: Request, policy: OriginPolicySettings = settings): string | null {
  const refusal = crossSiteRefusal(request, policy);
  return refusal ? `${refusal.httpStatus} ${refusal.code}` : null;
}

const json = { "content-type": "application/json" };
const cookie = { cookie: "chat_session=a.b.c" };

describe("the gateway's own origin", () => {
  test("is the Host with the request's scheme; COOKIE_SECURE adds https", () => {
    expect([...ownOrigins(requestTo("/"), settings)]).toEqual(["http://chat.example.test:8080"]);
    expect([...ownOrigins(requestTo("/"), { ...settings, cookieSecure: true })]).toEqual([
      "http://chat.example.test:8080",
      "https://chat.example.test:8080",
    ]);
  });

  test("behind a trusted proxy it is X-Forwarded-Proto and X-Forwarded-Host; otherwise those are ignored", () => {
    const proxied = requestTo("/", {
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "Chat.Example.com:443" },
    });
    expect([...ownOrigins(proxied, { ...settings, trustProxy: true })]).toEqual(["https://chat.example.com"]);
    expect([...ownOrigins(proxied, settings)]).toEqual(["http://chat.example.test:8080"]);
  });
});

describe("isAllowedInitiator", () => {
  const allowed = (headers: Record<string, string>, originRequired: boolean) =>
    isAllowedInitiator(requestTo("/api/chats", { headers }), settings, { originRequired });

  test("the gateway's own origin, a CORS_ORIGINS one and Sec-Fetch-Site: same-origin are allowed", () => {
    expect(allowed({ origin: "http://chat.example.test:8080" }, true)).toBe(true);
    expect(allowed({ origin: "https://app.example.test" }, true)).toBe(true);
    expect(allowed({ "sec-fetch-site": "same-origin" }, true)).toBe(true);
  });

  test("another port, scheme or host of the same site, and the opaque origin, are not", () => {
    for (const origin of [
      "http://chat.example.test:8081",
      "https://chat.example.test:8080",
      "http://evil.example.test:8080",
      "null",
    ]) {
      expect(allowed({ origin }, false)).toBe(false);
    }
    expect(allowed({ origin: "http://chat.example.test:8081", "sec-fetch-site": "same-site" }, false)).toBe(
      false,
    );
  });

  test("no Origin is a client that is not a browser page: allowed unless an Origin is required", () => {
    expect(allowed({}, false)).toBe(true);
    expect(allowed({}, true)).toBe(false);
    // A browser that says where the request came from, without an Origin, is still a browser.
    expect(allowed({ "sec-fetch-site": "cross-site" }, false)).toBe(false);
  });
});

describe("crossSiteRefusal", () => {
  test("a request with cookies from another page, or from no page, is refused 403 FORBIDDEN_ORIGIN", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const foreign = requestTo("/api/chats", {
        method,
        headers: { ...json, ...cookie, origin: "http://chat.example.test:9999" },
      });
      expect(refusalOf(foreign)).toBe("403 FORBIDDEN_ORIGIN");
    }
    expect(refusalOf(requestTo("/api/chats", { headers: { ...json, ...cookie } }))).toBe(
      "403 FORBIDDEN_ORIGIN",
    );
  });

  test("with cookies from the gateway's own pages, or listed ones, it passes", () => {
    expect(
      refusalOf(
        requestTo("/api/chats", { headers: { ...json, ...cookie, origin: "http://chat.example.test:8080" } }),
      ),
    ).toBeNull();
    expect(
      refusalOf(
        requestTo("/api/chats", { headers: { ...json, ...cookie, "sec-fetch-site": "same-origin" } }),
      ),
    ).toBeNull();
    expect(
      refusalOf(
        requestTo("/api/chats", { headers: { ...json, ...cookie, origin: "https://app.example.test" } }),
      ),
    ).toBeNull();
  });

  test("sign-in routes check the Origin even without a cookie; without an Origin (no browser) they pass", () => {
    for (const path of ["/api/auth/login", "/api/auth/register", "/api/auth/refresh", "/api/auth/logout"]) {
      expect(refusalOf(requestTo(path, { headers: { ...json, origin: "http://localhost:9999" } }))).toBe(
        "403 FORBIDDEN_ORIGIN",
      );
      expect(refusalOf(requestTo(path, { headers: json }))).toBeNull();
    }
  });

  test("a Bearer request without cookies passes from any origin; reading requests are never checked", () => {
    const bearer = { ...json, authorization: "Bearer sk-chat-x", origin: "https://elsewhere.example" };
    expect(refusalOf(requestTo("/v1/chat/completions", { headers: bearer }))).toBeNull();
    expect(
      refusalOf(
        requestTo("/api/chats", { method: "GET", headers: { ...cookie, origin: "https://evil.example" } }),
      ),
    ).toBeNull();
  });

  test("a body that is not application/json is refused 415 UNSUPPORTED_MEDIA_TYPE", () => {
    const own = { ...cookie, origin: "http://chat.example.test:8080" };
    for (const type of [
      "application/x-www-form-urlencoded",
      "text/plain",
      "multipart/form-data; boundary=x",
    ]) {
      expect(
        refusalOf(requestTo("/api/chats", { headers: { ...own, "content-type": type }, body: "a=b" })),
      ).toBe("415 UNSUPPORTED_MEDIA_TYPE");
    }
    // A body without a type (a no-cors fetch of a Blob) is no JSON either.
    expect(
      refusalOf(requestTo("/api/chats", { headers: { ...own, "content-length": "2" }, body: "{}" })),
    ).toBe("415 UNSUPPORTED_MEDIA_TYPE");
    expect(
      refusalOf(requestTo("/api/chats", { headers: { ...own, "transfer-encoding": "chunked" }, body: "{}" })),
    ).toBe("415 UNSUPPORTED_MEDIA_TYPE");
    expect(
      refusalOf(
        requestTo("/api/chats", {
          headers: { ...own, "content-type": "application/json; charset=utf-8" },
          body: "{}",
        }),
      ),
    ).toBeNull();
    // No body and no type (a logout, a refresh): nothing to refuse.
    expect(refusalOf(requestTo("/api/auth/logout", { headers: own }))).toBeNull();
  });
});
