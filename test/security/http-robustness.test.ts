import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { RawConnection, sendRaw, type WireAnswer } from "../support/raw-connection.ts";

/**
 * The HTTP surface at the level of the bytes on the wire: no request, whatever its Host, framing,
 * nesting or pace, ends the process, stalls it, or holds a connection forever; and the server
 * still answers `/healthz` after each. Regression tests for issue 9 (items 1, 3, 4, 5) and a
 * property test over random requests.
 */

/** Fixed, so a failure reproduces; printed with every failure. */
const seed = 0x477e_9;
const runs = 150;
/** Shortened for the test: connections silent for a second are closed. */
const idleTimeoutSeconds = 1;
const bodyTimeoutMs = 1_000;
const heartbeatMs = 200;
/** Far past when the server must have closed an idle connection (Bun checks idle sockets every few seconds). */
const closeWithinMs = 10_000;
/** How long a stream must outlive the idle timeout to show that it does not apply to it. */
const streamOpenMs = 3 * closeWithinMs;

let server: EmbeddedServer;
let port: number;

beforeAll(async () => {
  server = await startEmbeddedServer({
    HTTP_IDLE_TIMEOUT_SECONDS: String(idleTimeoutSeconds),
    HTTP_BODY_TIMEOUT_MS: String(bodyTimeoutMs),
    SSE_HEARTBEAT_MS: String(heartbeatMs),
    // The demo answer (some 80 tokens) takes seconds: far longer than the idle timeout.
    DEMO_TOKENS_PER_SECOND: "8",
    // Only the HTTP timeouts may close a connection in these tests: a raw socket answers no ping.
    WS_PING_INTERVAL_MS: "600000",
    WS_PONG_TIMEOUT_MS: "600000",
  });
  port = server.process.port;
}, 60_000);
afterAll(() => server.stop());

function request(lines: string[], body = ""): string {
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Whether the server answers /healthz 200 within 5 s: alive and not stalled. */
async function answersHealthCheck(): Promise<boolean> {
  const answer = await sendRaw(
    port,
    request(["GET /healthz HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]),
    5_000,
  );
  return answer?.status === 200;
}

function json(answer: WireAnswer | null): any {
  try {
    return JSON.parse(answer?.body ?? "");
  } catch {
    return undefined;
  }
}

function expectSecurityHeaders(answer: WireAnswer | null): void {
  expect(answer?.headers.get("x-content-type-options")).toBe("nosniff");
  expect(answer?.headers.get("content-security-policy")).toContain("default-src 'self'");
}

describe("a malformed Host header", () => {
  const malformed: Array<{ name: string; lines: string[] }> = [
    { name: "a^b", lines: ["HTTP/1.1", "Host: a^b"] },
    { name: "an empty Host over HTTP/1.0", lines: ["HTTP/1.0", "Host:"] },
    { name: "no Host over HTTP/1.0", lines: ["HTTP/1.0"] },
    { name: "a space", lines: ["HTTP/1.1", "Host: a b"] },
    { name: "a port past 65535", lines: ["HTTP/1.1", "Host: a:99999"] },
    { name: "an unclosed IPv6 bracket", lines: ["HTTP/1.1", "Host: [::1"] },
    { name: "two Host headers", lines: ["HTTP/1.1", "Host: a", "Host: b"] },
    { name: "user info", lines: ["HTTP/1.1", "Host: user@a"] },
    { name: "a path", lines: ["HTTP/1.1", "Host: a/b"] },
  ];

  test("answers 400 VALIDATION_FAILED with the security headers, and the server goes on", async () => {
    for (const path of ["/healthz", "/api/me", "/swagger", "/no/such/path"]) {
      for (const { name, lines } of malformed) {
        const [version, ...headers] = lines;
        const answer = await sendRaw(port, request([`GET ${path} ${version}`, ...headers]));
        expect({ path, name, status: answer?.status }).toEqual({ path, name, status: 400 });
        expect(json(answer)).toEqual({
          error: {
            code: "VALIDATION_FAILED",
            message: "The request is invalid",
            details: [
              { path: "/headers/host", message: "must be one host name or address, with an optional port" },
            ],
          },
        });
        expectSecurityHeaders(answer);
      }
    }
    expect(await answersHealthCheck()).toBe(true);
  });

  test("under /v1 the 400 is OpenAI's error body", async () => {
    const answer = await sendRaw(port, request(["GET /v1/models HTTP/1.1", "Host: a^b"]));
    expect(answer?.status).toBe(400);
    expect(json(answer)).toMatchObject({
      error: { type: "invalid_request_error", param: null, code: "VALIDATION_FAILED" },
    });
    expect(await answersHealthCheck()).toBe(true);
  });

  test("a well-formed Host still works: names, addresses, IPv6, ports", async () => {
    for (const host of [
      "127.0.0.1",
      `127.0.0.1:${port}`,
      "localhost",
      "[::1]:80",
      "chat_gateway",
      "chat.example.com.",
    ]) {
      const answer = await sendRaw(port, request(["GET /healthz HTTP/1.1", `Host: ${host}`]));
      expect({ host, status: answer?.status }).toEqual({ host, status: 200 });
    }
  });
});

describe("deeply nested JSON", () => {
  const expected = {
    code: "VALIDATION_FAILED",
    message: "The request is invalid",
    details: [{ path: "/", message: "nests objects and arrays deeper than 64 levels" }],
  };
  const post = (path: string, body: string, framing: "length" | "chunked") =>
    framing === "length"
      ? request(
          [
            `POST ${path} HTTP/1.1`,
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            `Content-Length: ${body.length}`,
          ],
          body,
        )
      : request(
          [
            `POST ${path} HTTP/1.1`,
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
          ],
          `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        );

  test("is refused with 400 VALIDATION_FAILED before it is parsed, however it is framed", async () => {
    const bodies = [
      `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
      "[".repeat(40_000),
      `{"email":${"[".repeat(65)}1${"]".repeat(65)},"password":"x"}`,
    ];
    for (const path of ["/api/auth/login", "/api/auth/register", "/api/chats"]) {
      for (const body of bodies) {
        for (const framing of ["length", "chunked"] as const) {
          const answer = await sendRaw(port, post(path, body, framing));
          expect({ path, framing, status: answer?.status }).toEqual({ path, framing, status: 400 });
          expect(json(answer)).toEqual({ error: expected });
        }
      }
    }
  });

  test("under /v1 the 400 is OpenAI's error body", async () => {
    const answer = await sendRaw(port, post("/v1/chat/completions", "[".repeat(40_000), "length"));
    expect(answer?.status).toBe(400);
    expect(json(answer)).toMatchObject({
      error: { type: "invalid_request_error", param: null, code: "VALIDATION_FAILED" },
    });
  });

  test("does not stall the server: 20 000 levels are answered at once, and /healthz after them", async () => {
    const arrays = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    const objects = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    const answers = await Promise.all(
      [arrays, objects].map((body) => sendRaw(port, post("/api/auth/login", body, "length"), 5_000)),
    );
    expect(answers.map((answer) => answer?.status)).toEqual([400, 400]);
    expect(await answersHealthCheck()).toBe(true);
  });
});

describe("connection timeouts", () => {
  test(
    "an idle keep-alive connection, a stalled body and a trickling body are closed; SSE and WebSocket streams are not",
    async () => {
      const client = new ChatApiClient(server.baseUrl);
      expect((await client.register("Timeouts")).status).toBe(201);
      const authorization = `Authorization: Bearer ${client.token}`;

      const idle = await RawConnection.open(port);
      idle.write(request(["GET /healthz HTTP/1.1", "Host: 127.0.0.1"]));
      expect((await idle.answer())?.status).toBe(200);

      const stalled = await RawConnection.open(port);
      stalled.write(
        request(
          [
            "POST /api/auth/login HTTP/1.1",
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            "Content-Length: 100",
          ],
          '{"email":',
        ),
      );

      const trickling = await RawConnection.open(port);
      trickling.write(
        request([
          "POST /api/auth/login HTTP/1.1",
          "Host: 127.0.0.1",
          "Content-Type: application/json",
          "Content-Length: 100000",
        ]),
      );
      // A byte every 300 ms: never idle, but never done either.
      const trickle = setInterval(() => trickling.write(" "), 300);

      const sse = await RawConnection.open(port);
      sse.write(
        request(["GET /api/events HTTP/1.1", "Host: 127.0.0.1", "Accept: text/event-stream", authorization]),
      );
      const webSocket = await RawConnection.open(port);
      webSocket.write(
        request([
          "GET /ws HTTP/1.1",
          "Host: 127.0.0.1",
          "Connection: Upgrade",
          "Upgrade: websocket",
          "Sec-WebSocket-Version: 13",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
          authorization,
        ]),
      );

      try {
        const [idleClosed, stalledClosed, tricklingClosed] = await Promise.all([
          idle.waitForClose(closeWithinMs),
          stalled.waitForClose(closeWithinMs),
          trickling.waitForClose(closeWithinMs),
        ]);
        expect({ idleClosed, stalledClosed, tricklingClosed }).toEqual({
          idleClosed: true,
          stalledClosed: true,
          tricklingClosed: true,
        });
        const tooSlow = await trickling.answer(0);
        expect(tooSlow?.status).toBe(408);
        expect(json(tooSlow)).toEqual({
          error: { code: "REQUEST_TIMEOUT", message: `The body did not arrive within ${bodyTimeoutMs} ms` },
        });

        await Bun.sleep(streamOpenMs - (Date.now() - sse.openedAt));
        expect({ sseClosed: sse.closed, webSocketClosed: webSocket.closed }).toEqual({
          sseClosed: false,
          webSocketClosed: false,
        });
        expect(sse.received.toString()).toStartWith("HTTP/1.1 200");
        // Heartbeats kept coming all along.
        expect(sse.received.toString().split(": heartbeat").length).toBeGreaterThan(
          streamOpenMs / heartbeatMs / 2,
        );
        expect(webSocket.received.toString()).toStartWith("HTTP/1.1 101");
      } finally {
        clearInterval(trickle);
        for (const connection of [idle, stalled, trickling, sse, webSocket]) connection.destroy();
      }
    },
    streamOpenMs + 20_000,
  );
});

test("a /v1 completion that takes longer than the idle timeout is answered, streamed or not", async () => {
  const client = new ChatApiClient(server.baseUrl);
  expect((await client.register("Completions")).status).toBe(201);
  const key = (await client.request("POST", "/api/keys", { name: "idle timeout" })).body.key as string;
  const completion = (stream: boolean) => {
    const body = JSON.stringify({ model: "demo", stream, messages: [{ role: "user", content: "Hello" }] });
    return request(
      [
        "POST /v1/chat/completions HTTP/1.1",
        "Host: 127.0.0.1",
        `Authorization: Bearer ${key}`,
        "Content-Type: application/json",
        `Content-Length: ${body.length}`,
      ],
      body,
    );
  };
  const [whole, streamed] = await Promise.all([
    sendRaw(port, completion(false), 60_000),
    sendRaw(port, completion(true), 60_000),
  ]);
  expect({
    status: whole?.status,
    answered: json(whole)?.choices?.[0]?.message?.content?.length > 100,
  }).toEqual({
    status: 200,
    answered: true,
  });
  expect({ status: streamed?.status, ended: streamed?.body.includes("data: [DONE]") }).toEqual({
    status: 200,
    ended: true,
  });
}, 90_000);

describe("paths that are nothing", () => {
  test("/swagger/assets/__proto__ and other prototype names are a plain 404, with the security headers", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const answer = await sendRaw(
        port,
        request([`GET /swagger/assets/${name} HTTP/1.1`, "Host: 127.0.0.1"]),
      );
      expect({ name, status: answer?.status }).toEqual({ name, status: 404 });
      expectSecurityHeaders(answer);
      expect(answer?.body).not.toContain(process.cwd());
    }
    expect(await answersHealthCheck()).toBe(true);
  });

  test("a browser asking for an unknown page gets an HTML 404 page; an API client the typed JSON 404", async () => {
    const page = await sendRaw(
      port,
      request([
        "GET /no/such/page HTTP/1.1",
        "Host: 127.0.0.1",
        "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
      ]),
    );
    expect(page?.status).toBe(404);
    expect(page?.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page?.body).toStartWith("<!doctype html>");
    expectSecurityHeaders(page);
    for (const path of ["/api/no/such/route", "/api/chats/x/no/such/route"]) {
      const api = await sendRaw(
        port,
        request([`GET ${path} HTTP/1.1`, "Host: 127.0.0.1", "Accept: text/html"]),
      );
      expect({ path, status: api?.status, type: api?.headers.get("content-type") }).toEqual({
        path,
        status: 404,
        type: "application/json;charset=utf-8",
      });
    }
  });
});

const methods = [
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "TRACE",
  "CONNECT",
  "BREW",
  "get",
  "G T",
];
const paths = [
  "/healthz",
  "/readyz",
  "/api/auth/login",
  "/api/auth/register",
  "/api/chats",
  "/api/events",
  "/v1/chat/completions",
  "/v1/models",
  "/swagger/assets/__proto__",
  "/swagger/json",
  "/assets/__proto__",
  "/chats/constructor",
  "/",
  "*",
  "//",
  "/%00",
  "/..%2f..%2fetc%2fpasswd",
  "http://other.example/api/chats",
];
const hosts = [
  "127.0.0.1",
  "a^b",
  "",
  "a b",
  "[::1",
  "a:99999",
  "x".repeat(300),
  "%41",
  "a\\b",
  "[::1]:3000",
];

/** Bodies the server must take apart safely: random bytes, deep or odd JSON, nothing. */
const bodyArbitrary = fc.oneof(
  fc.constant(""),
  fc.uint8Array({ maxLength: 2_048 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  fc.json({ maxDepth: 4 }),
);

const framingHeaderArbitrary = fc.oneof(
  fc.constantFrom(
    "Content-Length: -1",
    "Content-Length: abc",
    "Content-Length: 99999999999999999999",
    "Content-Length: 10, 20",
  ),
  fc.nat({ max: 5_000 }).map((length) => `Content-Length: ${length}`),
  fc.constantFrom(
    "Transfer-Encoding: chunked",
    "Transfer-Encoding: gzip, chunked",
    "Transfer-Encoding: chunked, identity",
    "Transfer-Encoding: identity",
    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
    "Content-Length: 5\r\nTransfer-Encoding: chunked",
    "Expect: 100-continue",
    "Connection: close",
    "Connection: Upgrade\r\nUpgrade: websocket",
  ),
  fc.constantFrom(
    "Content-Type: application/json",
    "Content-Type: application/json; charset=utf-8",
    "Content-Type: multipart/form-data; boundary=x",
    "Content-Type: application/x-www-form-urlencoded",
    "Content-Type: text/plain",
    "Accept: text/html",
    "Accept: text/event-stream",
    "Authorization: Bearer x",
    "Cookie: chat_session=x",
    "X-Forwarded-For: 1.2.3.4",
  ),
  fc
    .tuple(
      fc.string({ unit: "binary-ascii", maxLength: 20 }),
      fc.string({ unit: "binary-ascii", maxLength: 40 }),
    )
    .map(([name, value]) => `${name}: ${value}`),
);

/** One request as bytes: mostly HTTP-shaped with hostile parts, sometimes just bytes. */
const wireRequestArbitrary = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...methods) },
          { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 10 }) },
        ),
        path: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...paths) },
          { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 60 }) },
        ),
        version: fc.oneof(
          { weight: 6, arbitrary: fc.constant("HTTP/1.1") },
          { weight: 1, arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/9", "") },
        ),
        // Mostly a good Host, so that most requests reach the routes.
        host: fc.oneof(
          { weight: 6, arbitrary: fc.constant("127.0.0.1") },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: fc.constantFrom(...hosts) },
          { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 40 }) },
        ),
        headers: fc.array(framingHeaderArbitrary, { maxLength: 6 }),
        body: bodyArbitrary,
        chunkedBody: fc.boolean(),
      })
      .map(({ method, path, version, host, headers, body, chunkedBody }) => {
        const lines = [
          `${method} ${path} ${version}`,
          ...(host === undefined ? [] : [`Host: ${host}`]),
          ...headers,
        ];
        const framed =
          chunkedBody && body
            ? `${Buffer.byteLength(body, "latin1").toString(16)}\r\n${body}\r\n0\r\n\r\n`
            : body;
        return `${lines.join("\r\n")}\r\n\r\n${framed}`;
      }),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 4_096 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  },
);

describe("random requests", () => {
  test("whatever the bytes, the server answers no 500 and still answers /healthz after each", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(wireRequestArbitrary, async (wire) => {
        const connection = await RawConnection.open(port);
        try {
          connection.write(Buffer.from(wire, "latin1"));
          // Long enough for any answer the server gives at once; a request it waits on is dropped.
          const answer = await connection.answer(1_000);
          if (answer) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          // 505 is Bun's parser refusing what is not HTTP/1.x, before the app sees it; 503 is /readyz.
          const failed =
            answer !== null && answer.status >= 500 && answer.status !== 503 && answer.status !== 505;
          expect({ wire: wire.slice(0, 300), failed, status: answer?.status }).toMatchObject({
            failed: false,
          });
        } finally {
          connection.destroy();
        }
        expect(await answersHealthCheck()).toBe(true);
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    console.log(
      `http-robustness: ${runs} random requests (seed ${seed}), statuses`,
      Object.fromEntries(statuses),
    );
  }, 300_000);
});
