import type {
  DeliverySettlement,
  NotificationDelivery,
  NotificationDeliveryStatus,
  StaffRecipient,
} from "@chat/contracts";
import type { Collection, Db, Filter } from "mongodb";
import type { Page, PageRequest } from "../chat-repository.ts";
import type { NotificationRepository } from "../notification-repository.ts";
import { checkLimit, decodeCursor, toPage, toSortableTimestamp } from "../page-cursor.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";

/** A recipient; `_id` is its id. */
type RecipientDocument = Omit<StaffRecipient, "id"> & { _id: string };

/** A delivery; `_id` is its id, so enqueueing it twice keeps one. Times are sortable ISO strings. */
type DeliveryDocument = Omit<NotificationDelivery, "id"> & { _id: string };

/**
 * Staff recipients and notification deliveries in the MongoDB store. A claim is one
 * `findOneAndUpdate` per delivery, so two notifiers never take the same one.
 *
 * @example
 * const notifications = new MongoNotificationRepository(database);
 */
export class MongoNotificationRepository implements NotificationRepository {
  private readonly recipients: Collection<RecipientDocument>;
  private readonly deliveries: Collection<DeliveryDocument>;

  constructor(database: Db) {
    this.recipients = database.collection<RecipientDocument>("staffRecipients");
    this.deliveries = database.collection<DeliveryDocument>("notificationDeliveries");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await this.recipients.createIndexes([{ key: { name: 1, _id: 1 }, name: "by_name" }]);
    await this.deliveries.createIndexes([
      { key: { status: 1, nextAttemptAt: 1 }, name: "due" },
      { key: { status: 1, updatedAt: -1, _id: -1 }, name: "by_change" },
    ]);
  }

  async listRecipients(): Promise<StaffRecipient[]> {
    const documents = await this.recipients.find({}).sort({ name: 1, _id: 1 }).toArray();
    return documents.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  async putRecipient(recipient: StaffRecipient): Promise<StaffRecipient> {
    const { id, ...rest } = { ...recipient, updatedAt: toSortableTimestamp(recipient.updatedAt) };
    await this.recipients.replaceOne({ _id: id }, rest, { upsert: true });
    return { id, ...rest };
  }

  async deleteRecipient(recipientId: string): Promise<boolean> {
    return (await this.recipients.deleteOne({ _id: recipientId })).deletedCount > 0;
  }

  async enqueueDeliveries(deliveries: NotificationDelivery[]): Promise<number> {
    let created = 0;
    for (const delivery of deliveries) {
      try {
        await this.deliveries.insertOne(toDeliveryDocument(delivery));
        created += 1;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return created;
  }

  async claimDueDeliveries(now: string, leaseUntil: string, limit: number): Promise<NotificationDelivery[]> {
    checkLimit(limit, 1);
    const due = toSortableTimestamp(now);
    const lease = toSortableTimestamp(leaseUntil);
    const claimed: NotificationDelivery[] = [];
    while (claimed.length < limit) {
      const document = await this.deliveries.findOneAndUpdate(
        { status: "pending", nextAttemptAt: { $lte: due } },
        { $set: { nextAttemptAt: lease } },
        { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: "after" },
      );
      if (!document) break;
      claimed.push(toDelivery(document));
    }
    return claimed;
  }

  async settleDelivery(deliveryId: string, settlement: DeliverySettlement): Promise<boolean> {
    const at = toSortableTimestamp(settlement.at);
    const update =
      settlement.status === "sent"
        ? {
            $set: {
              status: settlement.status,
              attempts: settlement.attempts,
              updatedAt: at,
              nextAttemptAt: at,
            },
            $unset: { lastError: "" as const },
          }
        : {
            $set: {
              status: settlement.status,
              attempts: settlement.attempts,
              updatedAt: at,
              lastError: settlement.lastError,
              nextAttemptAt:
                settlement.status === "pending" ? toSortableTimestamp(settlement.nextAttemptAt) : at,
            },
          };
    const result = await this.deliveries.updateOne({ _id: deliveryId, status: "pending" }, update);
    return result.modifiedCount > 0;
  }

  async eraseUserDeliveries(userId: string): Promise<number> {
    // The payload is the JSON text a webhook receives, written by JSON.stringify: no spaces.
    const naming = new RegExp(`"userId":${RegExp.escape(JSON.stringify(userId))}`);
    return (await this.deliveries.deleteMany({ payload: naming })).deletedCount;
  }

  async listDeliveries(
    status: NotificationDeliveryStatus | undefined,
    page: PageRequest,
  ): Promise<Page<NotificationDelivery>> {
    checkLimit(page.limit, 1);
    const filter: Filter<DeliveryDocument> = status ? { status } : {};
    if (page.cursor) {
      const after = decodeCursor(page.cursor);
      filter.$or = [{ updatedAt: { $lt: after.at } }, { updatedAt: after.at, _id: { $lt: after.id } }];
    }
    const documents = await this.deliveries
      .find(filter)
      .sort({ updatedAt: -1, _id: -1 })
      .limit(page.limit + 1)
      .toArray();
    return toPage(documents.map(toDelivery), page.limit, (delivery) => ({
      at: delivery.updatedAt,
      id: delivery.id,
    }));
  }
}

function toDeliveryDocument(delivery: NotificationDelivery): DeliveryDocument {
  const { id, ...rest } = delivery;
  return {
    _id: id,
    ...rest,
    nextAttemptAt: toSortableTimestamp(delivery.nextAttemptAt),
    createdAt: toSortableTimestamp(delivery.createdAt),
    updatedAt: toSortableTimestamp(delivery.updatedAt),
  };
}

function toDelivery(document: DeliveryDocument): NotificationDelivery {
  const { _id, ...rest } = document;
  return { id: _id, ...rest };
}
