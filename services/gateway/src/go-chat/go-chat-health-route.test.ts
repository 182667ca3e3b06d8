import { expect, test } from "bun:test";
import { createLogger } from "@chat/runtime";
import { Elysia } from "elysia";
import { requestContext } from "../http/request-context.ts";
import { goChatHealthRoute } from "./go-chat-routes.ts";

type DatabaseCheck = () => Promise<{ connected: boolean }>;

async function healthWith(check: DatabaseCheck) {
  const app = new Elysia().use(
    goChatHealthRoute({
      requestContext: requestContext(createLogger("health-test", "silent"), { trustProxy: false }),
      store: { call: (() => check()) as never },
    }),
  );
  const response = await app.handle(new Request("http://gateway.test/health"));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("healthy and connected when the store says its database answers", async () => {
  const { status, body } = await healthWith(async () => ({ connected: true }));
  expect(status).toBe(200);
  expect(body).toEqual({ status: "healthy", database: "connected", timestamp: expect.any(String) });
  expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
});

test.each([
  ["says its database does not answer", async () => ({ connected: false })],
  ["does not answer the request", () => Promise.reject(new Error("store did not answer"))],
  ["stays silent past 2 s", () => new Promise<{ connected: boolean }>(() => {})],
] as Array<[string, DatabaseCheck]>)("503 unhealthy and disconnected when the store %s", async (_, check) => {
  const { status, body } = await healthWith(check);
  expect(status).toBe(503);
  expect(body).toMatchObject({ status: "unhealthy", database: "disconnected" });
});
