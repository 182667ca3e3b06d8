import { type Static, Type } from "@sinclair/typebox";
import { Id } from "../http.ts";
import { busMessage } from "./envelope.ts";

/** What a staff alert is about. */
export const StaffAlertKind = Type.Union(
  [
    Type.Literal("help_request"),
    Type.Literal("takeover"),
    Type.Literal("critical_error"),
    Type.Literal("system_alert"),
  ],
  { $id: "StaffAlertKind" },
);
export type StaffAlertKind = Static<typeof StaffAlertKind>;

/** The error behind an alert, as plain data. */
export const StaffAlertError = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 100, description: "A stable code: `PROVIDER_ERROR`, …" }),
  message: Type.String({ maxLength: 2_000 }),
  details: Type.Optional(
    Type.String({ maxLength: 8_000, description: "More context: the provider, the queue, the count" }),
  ),
});
export type StaffAlertError = Static<typeof StaffAlertError>;

/**
 * Something staff must hear about, published durably on the events exchange under
 * `staffAlertKey(kind)`; the notifier delivers it to the staff recipients who want its kind. The
 * envelope's `chatId` is the chat it concerns ("" for none) and `occurredAt` when it happened.
 */
export const StaffAlert = busMessage("staff_alert", {
  kind: StaffAlertKind,
  /** The user the alert concerns, when there is one. */
  userId: Type.Optional(Id),
  /** What happened, in one line a person reads on a phone. */
  summary: Type.String({ minLength: 1, maxLength: 500 }),
  /** What raised it: `orchestrator`, `bus`, `gateway`, … */
  source: Type.String({ minLength: 1, maxLength: 100 }),
  error: Type.Optional(StaffAlertError),
});
export type StaffAlert = Static<typeof StaffAlert>;

/** The routing key of a staff alert on the events exchange: `staff.alert.<kind>`. */
export function staffAlertKey(kind: StaffAlertKind | "*"): string {
  return `staff.alert.${kind}`;
}

/** A way a notification leaves the system. */
export const NotificationChannelName = Type.Union(
  [Type.Literal("email"), Type.Literal("sms"), Type.Literal("webhook"), Type.Literal("in_app")],
  { $id: "NotificationChannelName" },
);
export type NotificationChannelName = Static<typeof NotificationChannelName>;

/**
 * A person (or system) who receives staff alerts, and where: set in the console, kept by the
 * store. Secrets (SMTP, SMS account, webhook signing) are never here, only in configuration.
 */
export const StaffRecipient = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** A disabled recipient keeps its settings and gets nothing. */
    enabled: Type.Boolean(),
    /** The alert kinds this recipient wants; empty = every kind. */
    kinds: Type.Array(StaffAlertKind, { maxItems: 4 }),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, pattern: "^[^\\s@]+@[^\\s@]+$" })),
    /** E.164, as the SMS API wants it: `+4915112345678`. */
    phone: Type.Optional(Type.String({ pattern: "^\\+[1-9][0-9]{6,14}$" })),
    /** Endpoints that receive every alert as a signed JSON POST (Standard Webhooks). */
    webhookUrls: Type.Array(Type.String({ pattern: "^https?://[^\\s]+$", maxLength: 2_048 }), {
      maxItems: 10,
    }),
    /** A staff user of this system who also gets the alert in the app. */
    userId: Type.Optional(Id),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { $id: "StaffRecipient" },
);
export type StaffRecipient = Static<typeof StaffRecipient>;

/** Where a delivery stands: waiting (first try or a retry), sent, or given up (dead-lettered). */
export const NotificationDeliveryStatus = Type.Union([
  Type.Literal("pending"),
  Type.Literal("sent"),
  Type.Literal("dead"),
]);
export type NotificationDeliveryStatus = Static<typeof NotificationDeliveryStatus>;

/**
 * One notification to one address over one channel, as the store keeps it until it is sent or
 * given up: the notifier's outbox, so retries outlive a restart, and the dead-letter record the
 * console lists.
 */
export const NotificationDelivery = Type.Object(
  {
    /** `<alert id>.<recipient id>.<channel>.<n>`: recording it twice keeps one. */
    id: Type.String({ minLength: 1, maxLength: 300 }),
    /** The alert (or the storm summary) it carries. */
    alertId: Type.String({ minLength: 1 }),
    kind: StaffAlertKind,
    recipientId: Id,
    channel: NotificationChannelName,
    /** The e-mail address, phone number, webhook URL or user id. */
    address: Type.String({ minLength: 1, maxLength: 2_048 }),
    subject: Type.String(),
    text: Type.String(),
    /** The JSON a webhook receives (and the in-app event is built from). */
    payload: Type.String(),
    status: NotificationDeliveryStatus,
    /** Attempts made so far. */
    attempts: Type.Integer({ minimum: 0 }),
    /** When a pending delivery is next tried (or its claim runs out). */
    nextAttemptAt: Type.String({ format: "date-time" }),
    /** Why the last attempt failed. */
    lastError: Type.Optional(Type.String()),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { $id: "NotificationDelivery" },
);
export type NotificationDelivery = Static<typeof NotificationDelivery>;

/** How an attempt ended, as the notifier reports it to the store. */
export const DeliverySettlement = Type.Union([
  Type.Object({ status: Type.Literal("sent"), attempts: Type.Integer({ minimum: 1 }), at: Type.String() }),
  Type.Object({
    status: Type.Literal("pending"),
    attempts: Type.Integer({ minimum: 1 }),
    at: Type.String(),
    nextAttemptAt: Type.String({ format: "date-time" }),
    lastError: Type.String(),
  }),
  Type.Object({
    status: Type.Literal("dead"),
    attempts: Type.Integer({ minimum: 1 }),
    at: Type.String(),
    lastError: Type.String(),
  }),
]);
export type DeliverySettlement = Static<typeof DeliverySettlement>;
