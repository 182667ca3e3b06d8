import type { NotificationChannelName } from "@chat/contracts";

/** What a channel sends: the same notification rendered for people (subject, text) and machines (payload). */
export type OutgoingNotification = {
  /** The delivery's id: the webhook's `webhook-id`, stable across retries so receivers can deduplicate. */
  id: string;
  subject: string;
  text: string;
  /** JSON: a webhook's body, and what the in-app notification is built from. */
  payload: string;
  /** When the alert (or the summary) was made. */
  createdAt: string;
  /** The alert's kind, or `<kind>_summary` for a storm's summary. */
  kind: string;
  /** The chat the alert concerns, if any. */
  chatId?: string;
};

/**
 * The port through which a notification leaves the system. `send` resolves once the channel has
 * accepted the notification and throws a `DeliveryError` saying whether trying again may help.
 * Adapters: `SmtpEmailChannel`, `TwilioSmsChannel`, `WebhookChannel`, `InAppChannel`.
 *
 * @example
 * await channel.send(notification, "oncall@example.com", AbortSignal.timeout(10_000));
 */
export interface NotificationChannel {
  readonly name: NotificationChannelName;
  /** Sends to `address`: an e-mail address, a phone number, a URL or a user id, by channel. */
  send(notification: OutgoingNotification, address: string, signal: AbortSignal): Promise<void>;
}
