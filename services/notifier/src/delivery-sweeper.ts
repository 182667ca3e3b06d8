import type { DeliverySettlement, NotificationChannelName, NotificationDelivery } from "@chat/contracts";
import { AppError } from "@chat/contracts";
import { counter } from "@chat/metrics";
import type { Logger } from "@chat/runtime";
import type { DeliveryOutbox } from "./delivery-outbox.ts";
import type { NotificationChannel, OutgoingNotification } from "./notification-channel.ts";
import { type RetryPolicy, retryDelayMs } from "./retry-backoff.ts";

const attemptsMade = counter(
  "chat_notification_attempts_total",
  "Attempts to send a notification, by channel and outcome (sent, retry, dead_letter)",
  ["channel", "outcome"],
);
const outcomeLabels = { sent: "sent", pending: "retry", dead: "dead_letter" } as const;

export type DeliverySweeperSettings = RetryPolicy & {
  /** Longest wait for one send; the claim on a delivery lasts well beyond it. */
  sendTimeoutMs: number;
  /** Deliveries claimed per sweep. */
  batchSize: number;
};

export type DeliveryClock = { now: () => Date; random: () => number };

/**
 * Sends the outbox's due deliveries: claims a batch (leased, so another notifier or this one
 * after a restart takes them over only once the lease runs out), sends each over its channel and
 * records the outcome: sent; a retryable failure with attempts left waits (exponential backoff
 * with jitter) in the outbox; any other failure is dead-lettered there, where the console lists it.
 *
 * @example
 * const sweeper = new DeliverySweeper({ outbox, channels, logger }, settings, { now: () => new Date(), random: Math.random });
 * await sweeper.sweep();
 */
export class DeliverySweeper {
  private readonly channels: Map<NotificationChannelName, NotificationChannel>;

  constructor(
    private readonly dependencies: {
      outbox: DeliveryOutbox;
      channels: NotificationChannel[];
      logger: Logger;
    },
    private readonly settings: DeliverySweeperSettings,
    private readonly clock: DeliveryClock,
  ) {
    this.channels = new Map(dependencies.channels.map((channel) => [channel.name, channel]));
  }

  /** Sends one batch of due deliveries; resolves with how many it claimed. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.settings.sendTimeoutMs * 3 + 5_000);
    const due = await this.dependencies.outbox.claim(now, leaseUntil, this.settings.batchSize);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    return due.length;
  }

  private async attempt(delivery: NotificationDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    const settlement = await this.send(delivery).then(
      (): DeliverySettlement => ({ status: "sent", attempts, at: this.clock.now().toISOString() }),
      (error: unknown) => this.failed(attempts, error),
    );
    const log = { deliveryId: delivery.id, channel: delivery.channel, attempts };
    if (settlement.status === "sent") this.dependencies.logger.info(log, "notification sent");
    else if (settlement.status === "pending")
      this.dependencies.logger.warn(
        { ...log, error: settlement.lastError, retryAt: settlement.nextAttemptAt },
        "notification failed; will retry",
      );
    else {
      this.dependencies.logger.error({ ...log, error: settlement.lastError }, "notification dead-lettered");
    }
    attemptsMade.inc({ channel: delivery.channel, outcome: outcomeLabels[settlement.status] });
    try {
      await this.dependencies.outbox.settle(delivery.id, settlement);
    } catch (error) {
      // The lease runs out and the delivery is tried again: a receiver may see it twice (same id).
      this.dependencies.logger.warn({ ...log, err: error }, "could not record a delivery's outcome");
    }
  }

  private async send(delivery: NotificationDelivery): Promise<void> {
    const channel = this.channels.get(delivery.channel);
    if (!channel) {
      throw new AppError("PROVIDER_ERROR", `The ${delivery.channel} channel is not configured`, {
        retryable: false,
      });
    }
    await channel.send(
      toOutgoing(delivery),
      delivery.address,
      AbortSignal.timeout(this.settings.sendTimeoutMs),
    );
  }

  private failed(attempts: number, thrown: unknown): DeliverySettlement {
    const error = toDeliveryFailure(thrown);
    const at = this.clock.now();
    if (error.retryable && attempts < this.settings.maxAttempts) {
      const delay = retryDelayMs(attempts, this.settings, this.clock.random);
      return {
        status: "pending",
        attempts,
        at: at.toISOString(),
        nextAttemptAt: new Date(at.getTime() + delay).toISOString(),
        lastError: error.message,
      };
    }
    const reason = error.retryable ? `${error.message} (gave up after ${attempts} attempts)` : error.message;
    return { status: "dead", attempts, at: at.toISOString(), lastError: reason };
  }
}

/** A timeout (the signal's TimeoutError) is retryable like any lost answer. */
function toDeliveryFailure(thrown: unknown): { message: string; retryable: boolean } {
  if (AppError.isInstance(thrown)) return { message: thrown.message, retryable: thrown.retryable };
  if (thrown instanceof Error && (thrown.name === "TimeoutError" || thrown.name === "AbortError")) {
    return { message: `Timed out: ${thrown.message}`, retryable: true };
  }
  return { message: thrown instanceof Error ? thrown.message : String(thrown), retryable: true };
}

/** The notification a delivery carries, as its channel sends it. */
export function toOutgoing(delivery: NotificationDelivery): OutgoingNotification {
  const payload = JSON.parse(delivery.payload) as { type?: string; chatId?: string };
  return {
    id: delivery.id,
    subject: delivery.subject,
    text: delivery.text,
    payload: delivery.payload,
    createdAt: delivery.createdAt,
    kind: payload.type === "staff_alert_summary" ? `${delivery.kind}_summary` : delivery.kind,
    ...(payload.chatId ? { chatId: payload.chatId } : {}),
  };
}
