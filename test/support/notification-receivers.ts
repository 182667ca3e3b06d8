import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A webhook request as the receiver saw it, and whether its Standard Webhooks signature held. */
export type ReceivedWebhook = {
  id: string;
  timestamp: number;
  body: Record<string, unknown>;
  signatureValid: boolean;
  answered: number;
};

/**
 * A webhook receiver on loopback that verifies each request's signature the way the Standard
 * Webhooks spec tells receivers to, and answers with the statuses it is given in turn (then 204).
 */
export function startWebhookReceiver(secret: string) {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  let always: number | undefined;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const text = await request.text();
      const id = request.headers.get("webhook-id") ?? "";
      const timestamp = request.headers.get("webhook-timestamp") ?? "";
      const expected = `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${text}`).digest("base64")}`;
      const signatureValid = (request.headers.get("webhook-signature") ?? "").split(" ").includes(expected);
      const answered = signatureValid ? (answers.shift() ?? always ?? 204) : 401;
      received.push({ id, timestamp: Number(timestamp), body: JSON.parse(text), signatureValid, answered });
      return new Response(null, { status: answered });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/alerts`,
    received,
    /** Answers the next requests with these statuses, in order. */
    answerNext(...statuses: number[]) {
      answers.push(...statuses);
    },
    /** Answers every request with this status once the queued answers are used (undefined: 204). */
    answerAlways(status: number | undefined) {
      always = status;
    },
    stop: () => server.stop(true),
  };
}

/** An SMTP server on loopback (no TLS, no auth) that parses every mail it receives. */
export async function startSmtpReceiver() {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A server speaking Twilio's Messages API that accepts every message and keeps its form. */
export function startSmsReceiver(accountSid: string, authToken: string) {
  const received: URLSearchParams[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const authorised =
        request.headers.get("authorization") === `Basic ${btoa(`${accountSid}:${authToken}`)}`;
      if (!authorised || path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        return Response.json(
          {
            code: 20003,
            message: "Authenticate",
            more_info: "https://www.twilio.com/docs/errors/20003",
            status: 401,
          },
          { status: 401 },
        );
      }
      const form = new URLSearchParams(await request.text());
      received.push(form);
      return Response.json(
        {
          sid: `SM${"a".repeat(32)}`,
          status: "queued",
          to: form.get("To"),
          from: form.get("From"),
          body: form.get("Body"),
        },
        { status: 201 },
      );
    },
  });
  return { baseUrl: `http://127.0.0.1:${server.port}`, received, stop: () => server.stop(true) };
}
