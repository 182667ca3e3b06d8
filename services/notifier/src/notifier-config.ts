import { BaseConfigFields } from "@chat/runtime";
import { type Static, Type } from "@sinclair/typebox";

/**
 * The notifier's settings: the channels' secrets (only here, never in the store), retries and
 * storm suppression. A channel whose settings are unset is off; recipients' addresses for it wait
 * in the outbox and are dead-lettered as "not configured".
 */
export const NotifierConfigFields = {
  NOTIFY_SMTP_URL: Type.Optional(
    Type.String({
      pattern: "^smtps?://",
      description:
        "E-mail: SMTP server with credentials, `smtp://user:password@host:587` (`smtps://` for TLS); unset = no e-mail",
    }),
  ),
  NOTIFY_EMAIL_FROM: Type.String({
    default: "Chat alerts <alerts@localhost>",
    description: "E-mail: the sender of alert mails",
  }),
  NOTIFY_TWILIO_ACCOUNT_SID: Type.Optional(
    Type.String({ minLength: 1, description: "SMS: the account SID (Basic auth user); unset = no SMS" }),
  ),
  NOTIFY_TWILIO_AUTH_TOKEN: Type.Optional(
    Type.String({ minLength: 1, description: "SMS: the auth token (Basic auth password)" }),
  ),
  NOTIFY_TWILIO_FROM: Type.Optional(
    Type.String({ minLength: 1, description: "SMS: the sending number (E.164) or sender id" }),
  ),
  NOTIFY_TWILIO_BASE_URL: Type.String({
    default: "https://api.twilio.com",
    pattern: "^https?://",
    description: "SMS: base URL of the Twilio-compatible Messages API",
  }),
  NOTIFY_WEBHOOK_SECRET: Type.Optional(
    Type.String({
      pattern: "^whsec_[A-Za-z0-9+/=]{16,}$",
      description: "Webhooks: the Standard Webhooks signing secret, `whsec_<base64>`; unset = no webhooks",
    }),
  ),
  NOTIFY_MAX_ATTEMPTS: Type.Integer({
    default: 8,
    minimum: 1,
    maximum: 50,
    description: "Attempts per delivery before it is dead-lettered",
  }),
  NOTIFY_RETRY_BASE_MS: Type.Integer({
    default: 2_000,
    minimum: 1,
    description: "Wait after a delivery's first failure; doubles per failure, with jitter",
  }),
  NOTIFY_RETRY_MAX_DELAY_MS: Type.Integer({
    default: 15 * 60_000,
    minimum: 1,
    description: "Longest wait between a delivery's attempts",
  }),
  NOTIFY_SEND_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: "Longest wait for one send (SMTP, SMS API, webhook)",
  }),
  NOTIFY_SWEEP_MS: Type.Integer({
    default: 1_000,
    minimum: 10,
    description: "How often the outbox is checked for due deliveries",
  }),
  NOTIFY_STORM_WINDOW_MS: Type.Integer({
    default: 5 * 60_000,
    minimum: 10,
    description:
      "Per recipient, channel and alert kind: after one alert, further ones in this window are summed up in one summary",
  }),
  NOTIFY_DEAD_LETTER_SOURCES: Type.String({
    default: "session,ai.generate,store.completions,store.usage,notifier,notifier.alerts",
    pattern: "^[A-Za-z0-9_.,-]*$",
    description:
      "Dead-letter sources (comma-separated) whose dead letters raise a critical_error alert; `rpc.<service>` sources also dead-letter every request that timed out",
  }),
};

export const NotifierConfig = Type.Object({
  ...BaseConfigFields,
  ...NotifierConfigFields,
  PORT: Type.Integer({ default: 3004, minimum: 0, maximum: 65535 }),
});
export type NotifierConfig = Static<typeof NotifierConfig>;
