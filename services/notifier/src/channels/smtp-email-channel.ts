import nodemailer, { type Transporter } from "nodemailer";
import { DeliveryError } from "../delivery-error.ts";
import type { NotificationChannel, OutgoingNotification } from "../notification-channel.ts";

export type SmtpEmailSettings = {
  /** `smtp://user:password@host:587` or `smtps://…:465`; credentials stay in configuration. */
  url: string;
  /** The sender: `Chat alerts <alerts@example.com>`. */
  from: string;
  /** Longest wait for the connection, the greeting and each reply. */
  timeoutMs: number;
};

/** nodemailer's error fields: an SMTP reply code when the server answered, else a connection code. */
type SmtpFailure = Error & { responseCode?: number; code?: string };

/** Codes of failures in the message itself, which sending again cannot fix. */
const permanentCodes = new Set(["EENVELOPE", "EMESSAGE", "EAUTH"]);

/**
 * E-mail over SMTP with nodemailer. SMTP's 4xx replies ("try later") and lost connections are
 * retryable; its 5xx replies (an unknown mailbox, refused credentials) are not.
 *
 * @example
 * const email = new SmtpEmailChannel({ url: "smtp://127.0.0.1:2525", from: "alerts@example.com", timeoutMs: 10_000 });
 * await email.send(notification, "oncall@example.com", AbortSignal.timeout(10_000));
 */
export class SmtpEmailChannel implements NotificationChannel {
  readonly name = "email" as const;
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpEmailSettings) {
    this.transport = nodemailer.createTransport({
      url: settings.url,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  async send(notification: OutgoingNotification, address: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const sending = this.transport.sendMail({
      from: this.settings.from,
      to: address,
      subject: notification.subject,
      text: notification.text,
      date: new Date(notification.createdAt),
      headers: { "X-Notification-Id": notification.id },
    });
    try {
      await abortable(sending, signal);
    } catch (error) {
      throw toDeliveryError(error, address);
    }
  }

  close(): void {
    this.transport.close();
  }
}

function toDeliveryError(error: unknown, address: string): DeliveryError {
  const failure = error as SmtpFailure;
  const retryable =
    failure.responseCode !== undefined
      ? failure.responseCode < 500
      : !(failure.code !== undefined && permanentCodes.has(failure.code));
  const reply = failure.responseCode !== undefined ? ` (SMTP ${failure.responseCode})` : "";
  return new DeliveryError(`E-mail to ${address} failed${reply}: ${failure.message}`, {
    retryable,
    cause: error,
  });
}

/** `work`, or the signal's reason once it aborts (nodemailer takes no signal). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
