import { DeliveryError, deliveryErrorFromFetch, isRetryableHttpStatus } from "../delivery-error.ts";
import type { NotificationChannel, OutgoingNotification } from "../notification-channel.ts";
import { webhookSignature } from "./webhook-signature.ts";

export type WebhookSettings = {
  /** The `whsec_…` signing secret receivers verify with. */
  secret: string;
  now: () => Date;
};

/**
 * Webhooks as the Standard Webhooks spec defines them: a JSON POST with `webhook-id` (the same on
 * every retry, for deduplication), `webhook-timestamp` (seconds, of this attempt) and
 * `webhook-signature` (`v1,` HMAC-SHA256 of `id.timestamp.body`). Any 2xx is success; 408, 429 and
 * 5xx are retryable, other answers are not.
 *
 * @example
 * const webhooks = new WebhookChannel({ secret: "whsec_…", now: () => new Date() });
 * await webhooks.send(notification, "https://hooks.example.com/alerts", AbortSignal.timeout(10_000));
 */
export class WebhookChannel implements NotificationChannel {
  readonly name = "webhook" as const;

  constructor(private readonly settings: WebhookSettings) {}

  async send(notification: OutgoingNotification, address: string, signal: AbortSignal): Promise<void> {
    const timestamp = Math.floor(this.settings.now().getTime() / 1_000);
    let response: Response;
    try {
      response = await fetch(address, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": notification.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": webhookSignature(
            this.settings.secret,
            notification.id,
            timestamp,
            notification.payload,
          ),
        },
        body: notification.payload,
        signal,
        redirect: "manual",
      });
    } catch (error) {
      throw deliveryErrorFromFetch(error, address);
    }
    // The answer's body is not read beyond what frees the connection.
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return;
    throw new DeliveryError(`Webhook ${address} answered HTTP ${response.status}`, {
      retryable: isRetryableHttpStatus(response.status),
    });
  }
}
