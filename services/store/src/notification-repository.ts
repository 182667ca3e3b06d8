import type {
  DeliverySettlement,
  NotificationDelivery,
  NotificationDeliveryStatus,
  StaffRecipient,
} from "@chat/contracts";
import type { Page, PageRequest } from "./chat-repository.ts";

/**
 * The port of the notification aggregate: the staff recipients the console sets, and the
 * notifier's deliveries (its outbox, so pending retries outlive a restart, and the dead-letter
 * record of the deliveries it gave up on). Adapters: `SqliteNotificationRepository` and
 * `MongoNotificationRepository`.
 */
export interface NotificationRepository {
  /** Every recipient, by name (then id). */
  listRecipients(): Promise<StaffRecipient[]>;
  /** Creates the recipient or replaces the one with its id. */
  putRecipient(recipient: StaffRecipient): Promise<StaffRecipient>;
  deleteRecipient(recipientId: string): Promise<boolean>;
  /** Stores new deliveries; one whose id is stored already is left as it is. Returns how many were new. */
  enqueueDeliveries(deliveries: NotificationDelivery[]): Promise<number>;
  /**
   * Takes up to `limit` pending deliveries due by `now`, earliest first, and makes each due again
   * only at `leaseUntil`: a claimer that dies before settling leaves them to be claimed then.
   */
  claimDueDeliveries(now: string, leaseUntil: string, limit: number): Promise<NotificationDelivery[]>;
  /** Records an attempt's end; false when the delivery is unknown or no longer pending. */
  settleDelivery(deliveryId: string, settlement: DeliverySettlement): Promise<boolean>;
  /**
   * Deletes the deliveries of alerts about the user (their payload's `userId`), whatever their
   * status (account deletion); returns how many.
   */
  eraseUserDeliveries(userId: string): Promise<number>;
  /** Deliveries (of one status, or all), the most recently changed first. */
  listDeliveries(
    status: NotificationDeliveryStatus | undefined,
    page: PageRequest,
  ): Promise<Page<NotificationDelivery>>;
}
