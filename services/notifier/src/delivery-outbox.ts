import type { StoreClient } from "@chat/bus";
import type { DeliverySettlement, NotificationDelivery, StaffRecipient } from "@chat/contracts";
import { traceparentFrom } from "@chat/runtime";

/**
 * Where the notifier keeps its recipients' settings and its deliveries: pending ones (so retries
 * outlive a restart), sent ones and dead-lettered ones. Adapter: `StoreDeliveryOutbox` (the
 * store's notification aggregate, over the bus).
 */
export interface DeliveryOutbox {
  listRecipients(): Promise<StaffRecipient[]>;
  /** Idempotent by delivery id. */
  enqueue(deliveries: NotificationDelivery[]): Promise<void>;
  /** Due pending deliveries, each leased until `leaseUntil`. */
  claim(now: Date, leaseUntil: Date, limit: number): Promise<NotificationDelivery[]>;
  settle(deliveryId: string, settlement: DeliverySettlement): Promise<void>;
}

/**
 * The outbox in the store, through store requests.
 *
 * @example
 * const outbox = new StoreDeliveryOutbox(new StoreClient(bus, { timeoutMs: 5_000, newId }));
 */
export class StoreDeliveryOutbox implements DeliveryOutbox {
  constructor(private readonly store: StoreClient) {}

  listRecipients(): Promise<StaffRecipient[]> {
    return this.store.call("store.list_staff_recipients", {}, traceparentFrom());
  }

  async enqueue(deliveries: NotificationDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.store.call("store.enqueue_notification_deliveries", { deliveries }, traceparentFrom());
  }

  claim(now: Date, leaseUntil: Date, limit: number): Promise<NotificationDelivery[]> {
    return this.store.call(
      "store.claim_notification_deliveries",
      { now: now.toISOString(), leaseUntil: leaseUntil.toISOString(), limit },
      traceparentFrom(),
    );
  }

  async settle(deliveryId: string, settlement: DeliverySettlement): Promise<void> {
    await this.store.call(
      "store.settle_notification_delivery",
      { deliveryId, settlement },
      traceparentFrom(),
    );
  }
}
