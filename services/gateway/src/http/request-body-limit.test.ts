import { afterAll, beforeAll, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { requestBodyLimit } from "./request-body-limit.ts";

const maxBodyBytes = 1_024;
const bodyTimeoutMs = 500;
let baseUrl: string;
let stop: () => void;

beforeAll(() => {
  const app = new Elysia()
    .use(requestBodyLimit({ maxBodyBytes, bodyTimeoutMs, largerBodies: { "/v1/large": 4 * maxBodyBytes } }))
    .post("/api/echo", ({ body }) => body, { body: t.Object({ text: t.String() }) })
    .post("/v1/echo", ({ body }) => body, { body: t.Object({ text: t.String() }) })
    .post("/v1/large", ({ body }) => body, { body: t.Object({ text: t.String() }) })
    .listen({ port: 0, maxRequestBodySize: Number.MAX_SAFE_INTEGER });
  baseUrl = `http://127.0.0.1:${app.server?.port}`;
  stop = () => void app.server?.stop(true);
});
afterAll(() => stop());

/** A body sent in chunks, without Content-Length. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 256)
        controller.enqueue(bytes.slice(offset, offset + 256));
      controller.close();
    },
  });
}

async function post(path: string, body: string | ReadableStream<Uint8Array>) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duplex: "half",
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as unknown };
}

const tooLarge = {
  error: { code: "PAYLOAD_TOO_LARGE", message: `The body is over ${maxBodyBytes} bytes` },
};

test("a body within the limit is parsed, with or without Content-Length", async () => {
  const body = JSON.stringify({ text: "x".repeat(900) });
  expect(await post("/api/echo", body)).toEqual({ status: 200, body: JSON.parse(body) });
  expect(await post("/api/echo", chunked(body))).toEqual({ status: 200, body: JSON.parse(body) });
});

test("a longer body answers the typed 413, however much longer and however it is sent", async () => {
  for (const size of [1_100, 10 * maxBodyBytes, 1024 * 1024]) {
    const body = JSON.stringify({ text: "x".repeat(size) });
    expect(await post("/api/echo", body)).toEqual({ status: 413, body: tooLarge });
    expect(await post("/api/echo", chunked(body))).toEqual({ status: 413, body: tooLarge });
  }
});

test("a chunked body that is not JSON answers 400 MALFORMED_JSON", async () => {
  expect(await post("/api/echo", chunked("{not json"))).toEqual({
    status: 400,
    body: { error: { code: "MALFORMED_JSON", message: "The body is not valid JSON" } },
  });
});

test("under /v1 the 413 is OpenAI's error body", async () => {
  const response = await post("/v1/echo", JSON.stringify({ text: "x".repeat(2_000) }));
  expect(response).toEqual({
    status: 413,
    body: {
      error: {
        message: `The body is over ${maxBodyBytes} bytes`,
        type: "invalid_request_error",
        param: null,
        code: "PAYLOAD_TOO_LARGE",
      },
    },
  });
});

test("JSON nested deeper than 64 levels answers 400 VALIDATION_FAILED, with or without Content-Length", async () => {
  const refused = {
    status: 400,
    body: {
      error: {
        code: "VALIDATION_FAILED",
        message: "The request is invalid",
        details: [{ path: "/", message: "nests objects and arrays deeper than 64 levels" }],
      },
    },
  };
  for (const body of ["[".repeat(65), `{"text":${"[".repeat(100)}"x"${"]".repeat(100)}}`]) {
    expect(await post("/api/echo", body)).toEqual(refused);
    expect(await post("/api/echo", chunked(body))).toEqual(refused);
  }
  // 64 levels are still parsed.
  const deepest = `{"text":"x","more":${"[".repeat(63)}${"]".repeat(63)}}`;
  expect((await post("/api/echo", deepest)).status).toBe(200);
});

test("a body that has not arrived whole within the body timeout answers 408 REQUEST_TIMEOUT", async () => {
  const trickle = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await Bun.sleep(100);
      controller.enqueue(new TextEncoder().encode(" "));
    },
  });
  expect(await post("/api/echo", trickle)).toEqual({
    status: 408,
    body: {
      error: { code: "REQUEST_TIMEOUT", message: `The body did not arrive within ${bodyTimeoutMs} ms` },
    },
  });
});

test("a path with a larger limit takes bodies up to it, and answers 413 past it", async () => {
  const within = JSON.stringify({ text: "x".repeat(3 * maxBodyBytes) });
  expect(await post("/v1/large", within)).toEqual({ status: 200, body: JSON.parse(within) });
  expect(await post("/v1/large", chunked(within))).toEqual({ status: 200, body: JSON.parse(within) });
  const over = JSON.stringify({ text: "x".repeat(5 * maxBodyBytes) });
  for (const body of [over, chunked(over)]) {
    const refused = await post("/v1/large", body);
    expect(refused.status).toBe(413);
    expect(JSON.stringify(refused.body)).toContain(`over ${4 * maxBodyBytes} bytes`);
  }
  // Every other path keeps MAX_BODY_BYTES.
  expect((await post("/v1/echo", within)).status).toBe(413);
});
