import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DeliveryError } from "../delivery-error.ts";
import type { OutgoingNotification } from "../notification-channel.ts";
import {
  authenticationFailed,
  createdMessage,
  invalidToNumber,
  serviceUnavailable,
  tooManyRequests,
} from "./__fixtures__/twilio-messages.ts";
import { TwilioSmsChannel } from "./twilio-sms-channel.ts";

const accountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const authToken = "test-auth-token";
const from = "+15005550006";

type Received = {
  path: string;
  authorization: string | null;
  contentType: string | null;
  form: URLSearchParams;
};

/** A server speaking the Messages API: checks Basic auth, answers by the `To` number. */
function startTwilioServer(received: Received[]) {
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const form = new URLSearchParams(await request.text());
      received.push({
        path: url.pathname,
        authorization: request.headers.get("authorization"),
        contentType: request.headers.get("content-type"),
        form,
      });
      if (request.method !== "POST" || url.pathname !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        return Response.json(
          { code: 20404, message: "Not Found", more_info: "", status: 404 },
          { status: 404 },
        );
      }
      if (request.headers.get("authorization") !== expectedAuth) {
        return Response.json(authenticationFailed, { status: 401 });
      }
      const to = form.get("To") ?? "";
      if (to === "+15005550001") return Response.json(invalidToNumber, { status: 400 });
      if (to === "+15005550429") return Response.json(tooManyRequests, { status: 429 });
      if (to === "+15005550503") return Response.json(serviceUnavailable, { status: 503 });
      return Response.json(
        createdMessage({ accountSid, to, from: form.get("From") ?? "", body: form.get("Body") ?? "" }),
        { status: 201 },
      );
    },
  });
}

const notification: OutgoingNotification = {
  id: "a1.r1.sms.0",
  subject: "Critical error: anthropic failing",
  text: "anthropic failed 5 times in 1 minute",
  payload: "{}",
  createdAt: "2026-12-06T05:00:00.000Z",
  kind: "critical_error",
};

describe("TwilioSmsChannel against a server speaking Twilio's Messages API", () => {
  const received: Received[] = [];
  let server: ReturnType<typeof startTwilioServer>;
  let sms: TwilioSmsChannel;

  beforeAll(() => {
    server = startTwilioServer(received);
    sms = new TwilioSmsChannel({ baseUrl: `http://127.0.0.1:${server.port}`, accountSid, authToken, from });
  });
  afterAll(() => server.stop(true));

  test("posts To, From and Body form-encoded with Basic auth, and a 201 is success", async () => {
    await sms.send(notification, "+4915112345678", AbortSignal.timeout(5_000));

    const request = received.at(-1);
    expect(request?.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(request?.authorization).toBe(`Basic ${btoa(`${accountSid}:${authToken}`)}`);
    expect(request?.contentType).toBe("application/x-www-form-urlencoded");
    expect(request?.form.get("To")).toBe("+4915112345678");
    expect(request?.form.get("From")).toBe(from);
    expect(request?.form.get("Body")).toBe(`${notification.subject}\n${notification.text}`);
  });

  test("a refused number is a permanent failure naming Twilio's code and message", async () => {
    const failure = (await sms
      .send(notification, "+15005550001", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect(failure.code).toBe("PROVIDER_ERROR");
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain("HTTP 400 (Twilio 21211): Invalid 'To' Phone Number");
  });

  test("refused credentials are permanent; 429 and 503 are retryable", async () => {
    const wrongToken = new TwilioSmsChannel({
      baseUrl: `http://127.0.0.1:${server.port}/`,
      accountSid,
      authToken: "wrong",
      from,
    });
    const unauthorised = (await wrongToken
      .send(notification, "+4915112345678", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect([unauthorised.retryable, unauthorised.message]).toEqual([
      false,
      expect.stringContaining("Twilio 20003"),
    ]);

    for (const number of ["+15005550429", "+15005550503"]) {
      const failure = (await sms
        .send(notification, number, AbortSignal.timeout(5_000))
        .catch((error) => error)) as DeliveryError;
      expect(failure.retryable).toBe(true);
    }
  });

  test("no server at the address is retryable", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const nobody = new TwilioSmsChannel({ baseUrl: `http://127.0.0.1:${port}`, accountSid, authToken, from });
    const failure = (await nobody
      .send(notification, "+4915112345678", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect(failure.retryable).toBe(true);
    expect(failure.message).toContain("No answer from the SMS API");
  });
});
