import { expect, test } from "bun:test";
import { createLogger } from "@chat/runtime";
import { Elysia } from "elysia";
import { requestContext } from "../http/request-context.ts";
import { goChatHealthRoute } from "./go-chat-routes.ts";

type DatabaseCheck = () => Promise<{ connected: boolean }>;

function healthApp(check: DatabaseCheck) {
  return new Elysia().use(
    goChatHealthRoute({
      requestContext: requestContext(createLogger("health-test", "silent"), { trustProxy: false }),
      store: { call: (() => check()) as never },
    }),
  );
}

async function healthWith(check: DatabaseCheck, app = healthApp(check)) {
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

test("calls within a second share one question to the store; a later call asks again", async () => {
  let asked = 0;
  const check: DatabaseCheck = async () => {
    asked++;
    return { connected: asked === 1 };
  };
  const app = healthApp(check);
  const together = await Promise.all([
    healthWith(check, app),
    healthWith(check, app),
    healthWith(check, app),
  ]);
  expect(together.map(({ status }) => status)).toEqual([200, 200, 200]);
  expect(asked).toBe(1);
  await Bun.sleep(1_050);
  expect((await healthWith(check, app)).status).toBe(503);
  expect(asked).toBe(2);
});
