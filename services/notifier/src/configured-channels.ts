import type { Bus } from "@chat/bus";
import { requireSetting } from "@chat/runtime";
import { InAppChannel } from "./channels/in-app-channel.ts";
import { SmtpEmailChannel } from "./channels/smtp-email-channel.ts";
import { TwilioSmsChannel } from "./channels/twilio-sms-channel.ts";
import { WebhookChannel } from "./channels/webhook-channel.ts";
import type { NotificationChannel } from "./notification-channel.ts";
import type { NotifierConfig } from "./notifier-config.ts";

export type ChannelSettings = Pick<
  NotifierConfig,
  | "NOTIFY_SMTP_URL"
  | "NOTIFY_EMAIL_FROM"
  | "NOTIFY_TWILIO_ACCOUNT_SID"
  | "NOTIFY_TWILIO_AUTH_TOKEN"
  | "NOTIFY_TWILIO_FROM"
  | "NOTIFY_TWILIO_BASE_URL"
  | "NOTIFY_WEBHOOK_SECRET"
  | "NOTIFY_SEND_TIMEOUT_MS"
>;

/**
 * The channels whose settings are present: in-app always, e-mail with an SMTP URL, SMS with a
 * Twilio account SID (then its token and sender are required), webhooks with a signing secret.
 */
export function configuredChannels(
  settings: ChannelSettings,
  dependencies: { bus: Bus; now: () => Date },
): (NotificationChannel & { close?: () => void })[] {
  const channels: (NotificationChannel & { close?: () => void })[] = [
    new InAppChannel(dependencies.bus, dependencies),
  ];
  if (settings.NOTIFY_SMTP_URL) {
    channels.push(
      new SmtpEmailChannel({
        url: settings.NOTIFY_SMTP_URL,
        from: settings.NOTIFY_EMAIL_FROM,
        timeoutMs: settings.NOTIFY_SEND_TIMEOUT_MS,
      }),
    );
  }
  if (settings.NOTIFY_TWILIO_ACCOUNT_SID) {
    const needed = "SMS alerts need it with NOTIFY_TWILIO_ACCOUNT_SID";
    channels.push(
      new TwilioSmsChannel({
        baseUrl: settings.NOTIFY_TWILIO_BASE_URL,
        accountSid: settings.NOTIFY_TWILIO_ACCOUNT_SID,
        authToken: requireSetting(settings.NOTIFY_TWILIO_AUTH_TOKEN, "NOTIFY_TWILIO_AUTH_TOKEN", needed),
        from: requireSetting(settings.NOTIFY_TWILIO_FROM, "NOTIFY_TWILIO_FROM", needed),
      }),
    );
  }
  if (settings.NOTIFY_WEBHOOK_SECRET) {
    channels.push(new WebhookChannel({ secret: settings.NOTIFY_WEBHOOK_SECRET, now: dependencies.now }));
  }
  return channels;
}
