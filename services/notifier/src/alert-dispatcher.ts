import type {
  NotificationChannelName,
  NotificationDelivery,
  StaffAlert,
  StaffAlertKind,
  StaffRecipient,
} from "@chat/contracts";
import type { Logger } from "@chat/runtime";
import { alertLine, type RenderedAlert, renderAlert, renderSummary } from "./alert-message.ts";
import type { DeliveryOutbox } from "./delivery-outbox.ts";
import { StormGate } from "./storm-gate.ts";

/** Whom a storm's summary goes to: the recipient and channel of its window. */
type StormTarget = { recipient: StaffRecipient; channel: NotificationChannelName; kind: StaffAlertKind };

/** A recipient's addresses on each channel. */
export function addressesOf(recipient: StaffRecipient): [NotificationChannelName, string[]][] {
  return [
    ["email", recipient.email ? [recipient.email] : []],
    ["sms", recipient.phone ? [recipient.phone] : []],
    ["webhook", recipient.webhookUrls],
    ["in_app", recipient.userId ? [recipient.userId] : []],
  ];
}

/**
 * Turns staff alerts into deliveries in the outbox: one per address of every enabled recipient
 * who wants the alert's kind, unless the storm gate holds it back for its window's summary
 * (per recipient, channel and kind). `flushStorms` puts the summaries of closed windows in the
 * outbox. The sweeper sends what is in the outbox.
 *
 * @example
 * const dispatcher = new AlertDispatcher({ outbox, logger }, { stormWindowMs: 300_000, newId, now });
 * await dispatcher.dispatch(alert);
 */
export class AlertDispatcher {
  private readonly gate: StormGate<StormTarget>;

  constructor(
    private readonly dependencies: { outbox: DeliveryOutbox; logger: Logger },
    private readonly settings: { stormWindowMs: number; newId: () => string; now: () => Date },
  ) {
    this.gate = new StormGate({ windowMs: settings.stormWindowMs });
  }

  /** Records the alert's deliveries; resolves once they are in the outbox. Returns how many. */
  async dispatch(alert: StaffAlert): Promise<number> {
    const recipients = await this.dependencies.outbox.listRecipients();
    const now = this.settings.now();
    const rendered = renderAlert(alert);
    const deliveries: NotificationDelivery[] = [];
    let held = 0;
    for (const recipient of recipients) {
      if (!recipient.enabled || (recipient.kinds.length > 0 && !recipient.kinds.includes(alert.kind)))
        continue;
      for (const [channel, addresses] of addressesOf(recipient)) {
        if (addresses.length === 0) continue;
        const key = `${recipient.id}.${channel}.${alert.kind}`;
        const admitted = this.gate.admit(
          key,
          { alertId: alert.id, line: alertLine(alert) },
          { recipient, channel, kind: alert.kind },
          now.getTime(),
        );
        if (admitted === "hold") {
          held += 1;
          continue;
        }
        deliveries.push(...toDeliveries(rendered, recipient, channel, addresses, now));
      }
    }
    await this.dependencies.outbox.enqueue(deliveries);
    this.dependencies.logger.info(
      { alertId: alert.id, kind: alert.kind, deliveries: deliveries.length, held },
      deliveries.length > 0 ? "alert queued for delivery" : "alert held back or without recipients",
    );
    return deliveries.length;
  }

  /** Queues the summaries of the storm windows that have closed; returns how many deliveries. */
  async flushStorms(): Promise<number> {
    const now = this.settings.now();
    const deliveries: NotificationDelivery[] = [];
    for (const summary of this.gate.due(now.getTime())) {
      const { recipient, channel, kind } = summary.context;
      const rendered = renderSummary({ ...summary, id: this.settings.newId(), kind });
      const addresses = addressesOf(recipient).find(([name]) => name === channel)?.[1] ?? [];
      deliveries.push(...toDeliveries(rendered, recipient, channel, addresses, now));
    }
    await this.dependencies.outbox.enqueue(deliveries);
    return deliveries.length;
  }

  /** Alerts held back for summaries not yet due. */
  held(): number {
    return this.gate.held();
  }
}

function toDeliveries(
  rendered: RenderedAlert,
  recipient: StaffRecipient,
  channel: NotificationChannelName,
  addresses: string[],
  now: Date,
): NotificationDelivery[] {
  const at = now.toISOString();
  return addresses.map((address, index) => ({
    id: `${rendered.alertId}.${recipient.id}.${channel}.${index}`,
    alertId: rendered.alertId,
    kind: rendered.kind,
    recipientId: recipient.id,
    channel,
    address,
    subject: rendered.subject,
    text: rendered.text,
    payload: rendered.payload,
    status: "pending",
    attempts: 0,
    nextAttemptAt: at,
    createdAt: rendered.createdAt,
    updatedAt: at,
  }));
}
