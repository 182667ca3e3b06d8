import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { DeliveryError } from "../delivery-error.ts";
import type { OutgoingNotification } from "../notification-channel.ts";
import { SmtpEmailChannel } from "./smtp-email-channel.ts";

/** An SMTP server on loopback that keeps what it receives; some mailboxes answer with errors. */
async function startSmtpServer(received: ParsedMail[]) {
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === "alerts" && auth.password === "secret") return callback(null, { user: "alerts" });
      return callback(new Error("Invalid username or password"));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("unknown@")) {
        return callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
      }
      if (address.address.startsWith("busy@")) {
        return callback(Object.assign(new Error("Mailbox busy, try later"), { responseCode: 451 }));
      }
      return callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port };
}

const notification: OutgoingNotification = {
  id: "a1.r1.email.0",
  subject: "Critical error: anthropic failing",
  text: "anthropic failed 5 times in 1 minute\n\nKind: critical_error\nTime: 2026-12-06T05:00:00.000Z",
  payload: "{}",
  createdAt: "2026-12-06T05:00:00.000Z",
  kind: "critical_error",
};

describe("SmtpEmailChannel against an SMTP server on loopback", () => {
  const received: ParsedMail[] = [];
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let email: SmtpEmailChannel;

  beforeAll(async () => {
    smtp = await startSmtpServer(received);
    email = new SmtpEmailChannel({
      url: `smtp://alerts:secret@127.0.0.1:${smtp.port}`,
      from: "Chat alerts <alerts@example.com>",
      timeoutMs: 5_000,
    });
  });
  afterAll(async () => {
    email.close();
    await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
  });

  test("the server receives the mail with its subject, recipient, sender and text", async () => {
    await email.send(notification, "oncall@example.com", AbortSignal.timeout(5_000));

    const mail = received.at(-1);
    expect(mail?.subject).toBe(notification.subject);
    expect(mail?.to && !Array.isArray(mail.to) ? mail.to.value.map((to) => to.address) : []).toEqual([
      "oncall@example.com",
    ]);
    expect(mail?.from?.value[0]).toMatchObject({ address: "alerts@example.com", name: "Chat alerts" });
    expect(mail?.text?.trim()).toBe(notification.text);
    expect(mail?.headers.get("x-notification-id")).toBe(notification.id);
    expect(mail?.date?.toISOString()).toBe(notification.createdAt);
  });

  test("SMTP 5xx is permanent, 4xx retryable", async () => {
    const unknown = (await email
      .send(notification, "unknown@example.com", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect([unknown.code, unknown.retryable]).toEqual(["PROVIDER_ERROR", false]);
    expect(unknown.message).toContain("SMTP 550");

    const busy = (await email
      .send(notification, "busy@example.com", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect([busy.retryable, busy.message]).toEqual([true, expect.stringContaining("SMTP 451")]);
  });

  test("refused credentials are permanent; no server is retryable", async () => {
    const wrongPassword = new SmtpEmailChannel({
      url: `smtp://alerts:wrong@127.0.0.1:${smtp.port}`,
      from: "alerts@example.com",
      timeoutMs: 5_000,
    });
    const refused = (await wrongPassword
      .send(notification, "oncall@example.com", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect(refused.retryable).toBe(false);
    wrongPassword.close();

    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const nobody = new SmtpEmailChannel({
      url: `smtp://127.0.0.1:${port}`,
      from: "alerts@example.com",
      timeoutMs: 2_000,
    });
    const unreachable = (await nobody
      .send(notification, "oncall@example.com", AbortSignal.timeout(5_000))
      .catch((error) => error)) as DeliveryError;
    expect(unreachable.retryable).toBe(true);
    nobody.close();
  });
});
