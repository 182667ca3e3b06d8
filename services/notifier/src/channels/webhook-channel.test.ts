import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { DeliveryError } from "../delivery-error.ts";
import type { OutgoingNotification } from "../notification-channel.ts";
import { WebhookChannel } from "./webhook-channel.ts";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Received = {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  body: string;
  valid: boolean;
};

/** Verifies as a receiver would, straight from the spec: HMAC-SHA256 over `id.timestamp.body`. */
function verify(headers: Headers, body: string): boolean {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signed = `${headers.get("webhook-id")}.${headers.get("webhook-timestamp")}.${body}`;
  const expected = `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
  return (headers.get("webhook-signature") ?? "").split(" ").includes(expected);
}

const notification: OutgoingNotification = {
  id: "a1.r1.webhook.0",
  subject: "Critical error",
  text: "text",
  payload: JSON.stringify({
    type: "staff_alert",
    id: "a1",
    kind: "critical_error",
    summary: "anthropic failing",
  }),
  createdAt: "2026-12-06T05:00:00.000Z",
  kind: "critical_error",
};

describe("WebhookChannel against a receiver that verifies signatures", () => {
  const received: Received[] = [];
  let server: ReturnType<typeof Bun.serve>;
  let base: string;
  const now = new Date("2026-12-06T05:00:07.900Z");
  const webhooks = new WebhookChannel({ secret, now: () => now });

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        const body = await request.text();
        const valid = verify(request.headers, body);
        received.push({
          id: request.headers.get("webhook-id"),
          timestamp: request.headers.get("webhook-timestamp"),
          signature: request.headers.get("webhook-signature"),
          body,
          valid,
        });
        if (!valid) return new Response("bad signature", { status: 401 });
        const status = Number(new URL(request.url).searchParams.get("answer") ?? 204);
        return new Response(status === 204 ? null : "answer", { status });
      },
    });
    base = `http://127.0.0.1:${server.port}/hooks`;
  });
  afterAll(() => server.stop(true));

  test("posts the payload with Standard Webhooks headers the receiver verifies", async () => {
    await webhooks.send(notification, base, AbortSignal.timeout(5_000));

    expect(received.at(-1)).toEqual({
      id: notification.id,
      timestamp: "1796533207",
      signature: expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
      body: notification.payload,
      valid: true,
    });
  });

  test("5xx, 408 and 429 are retryable; other answers, a bad signature among them, are not", async () => {
    for (const [answer, retryable] of [
      [500, true],
      [503, true],
      [408, true],
      [429, true],
      [404, false],
      [410, false],
    ] as const) {
      const failure = (await webhooks
        .send(notification, `${base}?answer=${answer}`, AbortSignal.timeout(5_000))
        .catch((error) => error)) as DeliveryError;
      expect([answer, failure.retryable, failure.message]).toEqual([
        answer,
        retryable,
        expect.stringContaining(`HTTP ${answer}`),
      ]);
    }
    const wrongSecret = new WebhookChannel({ secret: "whsec_bm90IHRoZSBzYW1lIGtleQ==", now: () => now });
    const refused = (await wrongSecret
      .send(notification, base, AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect([refused.retryable, received.at(-1)?.valid]).toEqual([false, false]);
  });

  test("a receiver slower than the timeout is retryable", async () => {
    const slow = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () =>
        new Promise<Response>((resolve) =>
          setTimeout(() => resolve(new Response(null, { status: 204 })), 2_000),
        ),
    });
    const failure = await webhooks
      .send(notification, `http://127.0.0.1:${slow.port}/`, AbortSignal.timeout(100))
      .catch((error) => error);
    expect((failure as DeliveryError).retryable).toBe(true);
    slow.stop(true);
  });
});
