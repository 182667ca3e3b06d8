import { DeliveryError, deliveryErrorFromFetch, isRetryableHttpStatus } from "../delivery-error.ts";
import type { NotificationChannel, OutgoingNotification } from "../notification-channel.ts";

export type TwilioSmsSettings = {
  /** `https://api.twilio.com`, or any server speaking its Messages API. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** The sending number (E.164) or messaging service's sender. */
  from: string;
};

/** An SMS body longer than this is cut: 10 concatenated segments. */
const maxBodyChars = 1_600;

/**
 * SMS over Twilio's Messages API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * form-encoded `To`, `From`, `Body`, HTTP Basic auth with the account SID and auth token; `201`
 * with the message's `sid` and `status` on success, errors as JSON `{code, message, more_info,
 * status}`. 408, 429 and 5xx are retryable, other 4xx (a bad number, refused credentials) not.
 *
 * @example
 * const sms = new TwilioSmsChannel({ baseUrl: "https://api.twilio.com", accountSid, authToken, from: "+15005550006" });
 * await sms.send(notification, "+4915112345678", AbortSignal.timeout(10_000));
 */
export class TwilioSmsChannel implements NotificationChannel {
  readonly name = "sms" as const;

  constructor(private readonly settings: TwilioSmsSettings) {}

  async send(notification: OutgoingNotification, address: string, signal: AbortSignal): Promise<void> {
    const { baseUrl, accountSid, authToken, from } = this.settings;
    const url = new URL(
      `2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
      baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`,
    );
    const body = new URLSearchParams({ To: address, From: from, Body: smsBody(notification) });
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body,
        signal,
      });
    } catch (error) {
      throw deliveryErrorFromFetch(error, "the SMS API");
    }
    const answer = await response.text();
    if (response.ok) return;
    throw new DeliveryError(`SMS to ${address} refused: HTTP ${response.status} ${twilioError(answer)}`, {
      retryable: isRetryableHttpStatus(response.status),
    });
  }
}

/** The subject and the text in one message, cut to what an SMS can carry. */
function smsBody(notification: OutgoingNotification): string {
  const body = `${notification.subject}\n${notification.text}`;
  return body.length <= maxBodyChars ? body : `${body.slice(0, maxBodyChars - 1)}…`;
}

/** Twilio's `{code, message}` of an error answer, or the start of whatever else came back. */
function twilioError(answer: string): string {
  try {
    const parsed = JSON.parse(answer) as { code?: unknown; message?: unknown };
    if (typeof parsed.message === "string") return `(Twilio ${String(parsed.code)}): ${parsed.message}`;
  } catch {
    // Not JSON (a proxy's error page): the text itself says most.
  }
  return answer.slice(0, 200);
}
