import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { allowedOriginsFrom, cors, corsAllowedHeaders, corsMaxAgeSeconds } from "./cors.ts";

const listed = "https://app.example.test";

function appWith(list: string) {
  return new Elysia()
    .use(cors({ allowedOrigins: allowedOriginsFrom(list) }))
    .get("/api/thing", () => ({ ok: true }))
    .post("/api/thing", () => ({ ok: true }));
}

function corsHeadersOf(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-")));
}

function preflight(origin: string): Request {
  return new Request("http://gateway.test/api/thing", {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

describe("allowedOriginsFrom", () => {
  test("normalises each listed origin and skips blanks", () => {
    expect(allowedOriginsFrom(" https://App.Example.test:443/ ,, http://localhost:5173 ")).toEqual(
      new Set(["https://app.example.test", "http://localhost:5173"]),
    );
    expect(allowedOriginsFrom("")).toEqual(new Set());
  });

  test("names the setting when an entry is not an origin", () => {
    expect(() => allowedOriginsFrom("app.example.test")).toThrow("CORS_ORIGINS");
    expect(() => allowedOriginsFrom("mailto:someone@example.test")).toThrow("CORS_ORIGINS");
  });
});

describe("cors", () => {
  const app = appWith(`${listed}, http://localhost:5173`);

  test("a preflight from a listed origin is answered with what it may send", async () => {
    const response = await app.handle(preflight(listed));
    expect(response.status).toBe(204);
    expect(corsHeadersOf(response)).toEqual({
      "access-control-allow-origin": listed,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET, POST, PATCH, DELETE",
      "access-control-allow-headers": corsAllowedHeaders,
      "access-control-max-age": String(corsMaxAgeSeconds),
    });
    expect(corsAllowedHeaders).toBe("authorization, content-type, last-event-id, x-request-id");
    expect(response.headers.get("vary")).toBe("Origin");
  });

  test("a preflight from any other origin gets no CORS header, so the browser blocks the request", async () => {
    for (const origin of ["https://evil.example", "null", "https://app.example.test.evil.example"]) {
      const response = await app.handle(preflight(origin));
      expect(response.status).toBe(204);
      expect(corsHeadersOf(response)).toEqual({});
      expect(response.headers.get("vary")).toBe("Origin");
    }
  });

  test("a request from a listed origin may be read by it, with credentials", async () => {
    const response = await app.handle(
      new Request("http://gateway.test/api/thing", { method: "POST", headers: { origin: listed } }),
    );
    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({
      "access-control-allow-origin": listed,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-request-id, retry-after",
    });
    expect(await response.json()).toEqual({ ok: true });
  });

  test("a request from another origin gets no CORS header; same-origin and origin-less ones are as before", async () => {
    const callers: Array<Record<string, string>> = [
      { origin: "https://evil.example" },
      { origin: "http://gateway.test" },
      {},
    ];
    for (const headers of callers) {
      const response = await app.handle(new Request("http://gateway.test/api/thing", { headers }));
      expect(response.status).toBe(200);
      expect(corsHeadersOf(response)).toEqual({});
    }
  });

  test("with no CORS_ORIGINS nothing is allowed and nothing varies", async () => {
    const closed = appWith("");
    const answered = await closed.handle(preflight(listed));
    expect(answered.status).toBe(204);
    expect(corsHeadersOf(answered)).toEqual({});
    const plain = await closed.handle(
      new Request("http://gateway.test/api/thing", { headers: { origin: listed } }),
    );
    expect(corsHeadersOf(plain)).toEqual({});
    expect(plain.headers.get("vary")).toBeNull();
  });

  test("an OPTIONS request that is not a preflight goes on to the routes", async () => {
    const response = await app.handle(
      new Request("http://gateway.test/api/thing", { method: "OPTIONS", headers: { origin: listed } }),
    );
    expect(response.status).toBe(404);
  });
});
