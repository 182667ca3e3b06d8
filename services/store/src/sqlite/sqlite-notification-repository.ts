import type { Database } from "bun:sqlite";
import type {
  DeliverySettlement,
  NotificationDelivery,
  NotificationDeliveryStatus,
  StaffRecipient,
} from "@chat/contracts";
import type { Page, PageRequest } from "../chat-repository.ts";
import type { NotificationRepository } from "../notification-repository.ts";
import { checkLimit, decodeCursor, toPage, toSortableTimestamp } from "../page-cursor.ts";
import { prepareStatement } from "./prepare-statement.ts";

type DeliveryRow = {
  id: string;
  alert_id: string;
  kind: NotificationDelivery["kind"];
  recipient_id: string;
  channel: NotificationDelivery["channel"];
  address: string;
  subject: string;
  text: string;
  payload: string;
  status: NotificationDeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
};

const deliveryColumns =
  "id, alert_id, kind, recipient_id, channel, address, subject, text, payload, status, attempts, next_attempt_at, last_error, created_at, updated_at";
const afterCursor = "(updated_at < $at OR (updated_at = $at AND id < $id))";

/**
 * Staff recipients and notification deliveries in the SQLite store.
 *
 * @example
 * const notifications = new SqliteNotificationRepository(database);
 */
export class SqliteNotificationRepository implements NotificationRepository {
  private readonly statements: ReturnType<typeof prepareNotificationStatements>;
  private readonly transactions: ReturnType<typeof prepareNotificationTransactions>;

  constructor(database: Database) {
    this.statements = prepareNotificationStatements(database);
    this.transactions = prepareNotificationTransactions(database, this.statements);
  }

  async listRecipients(): Promise<StaffRecipient[]> {
    return this.statements.listRecipients.all().map((row) => JSON.parse(row.settings) as StaffRecipient);
  }

  async putRecipient(recipient: StaffRecipient): Promise<StaffRecipient> {
    const stored = { ...recipient, updatedAt: toSortableTimestamp(recipient.updatedAt) };
    this.statements.putRecipient.run({ id: stored.id, name: stored.name, settings: JSON.stringify(stored) });
    return stored;
  }

  async deleteRecipient(recipientId: string): Promise<boolean> {
    return this.statements.deleteRecipient.run({ id: recipientId }).changes > 0;
  }

  async enqueueDeliveries(deliveries: NotificationDelivery[]): Promise<number> {
    return this.transactions.enqueue(deliveries);
  }

  async claimDueDeliveries(now: string, leaseUntil: string, limit: number): Promise<NotificationDelivery[]> {
    checkLimit(limit, 1);
    return this.transactions.claim.immediate(
      toSortableTimestamp(now),
      toSortableTimestamp(leaseUntil),
      limit,
    );
  }

  async settleDelivery(deliveryId: string, settlement: DeliverySettlement): Promise<boolean> {
    const at = toSortableTimestamp(settlement.at);
    const settled = this.statements.settle.run({
      id: deliveryId,
      status: settlement.status,
      attempts: settlement.attempts,
      lastError: settlement.status === "sent" ? null : settlement.lastError,
      nextAttemptAt: settlement.status === "pending" ? toSortableTimestamp(settlement.nextAttemptAt) : at,
      updatedAt: at,
    });
    return settled.changes > 0;
  }

  async eraseUserDeliveries(userId: string): Promise<number> {
    return this.statements.deleteDeliveriesOfUser.run({ userId }).changes;
  }

  async listDeliveries(
    status: NotificationDeliveryStatus | undefined,
    page: PageRequest,
  ): Promise<Page<NotificationDelivery>> {
    checkLimit(page.limit, 1);
    const after = page.cursor ? decodeCursor(page.cursor) : undefined;
    const conditions = [status ? "status = $status" : "", after ? afterCursor : ""].filter(Boolean);
    const rows = this.statements
      .listDeliveries(conditions)
      .all({
        limit: page.limit + 1,
        ...(status ? { status } : {}),
        ...(after ? { at: after.at, id: after.id } : {}),
      })
      .map(toDelivery);
    return toPage(rows, page.limit, (delivery) => ({ at: delivery.updatedAt, id: delivery.id }));
  }
}

function prepareNotificationStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  const listings = new Map<string, ReturnType<typeof prepare<DeliveryRow>>>();
  return {
    listRecipients: prepare<{ settings: string }>("SELECT settings FROM staff_recipients ORDER BY name, id"),
    putRecipient: prepare(
      `INSERT INTO staff_recipients (id, name, settings) VALUES ($id, $name, $settings)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings`,
    ),
    deleteDeliveriesOfUser: prepare(
      "DELETE FROM notification_deliveries WHERE json_extract(payload, '$.userId') = $userId",
    ),
    deleteRecipient: prepare("DELETE FROM staff_recipients WHERE id = $id"),
    insertDelivery: prepare(
      `INSERT INTO notification_deliveries (${deliveryColumns})
       VALUES ($id, $alertId, $kind, $recipientId, $channel, $address, $subject, $text, $payload, $status,
         $attempts, $nextAttemptAt, $lastError, $createdAt, $updatedAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    dueDeliveries: prepare<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM notification_deliveries
       WHERE status = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT $limit`,
    ),
    lease: prepare("UPDATE notification_deliveries SET next_attempt_at = $leaseUntil WHERE id = $id"),
    settle: prepare(
      `UPDATE notification_deliveries SET status = $status, attempts = $attempts, last_error = $lastError,
         next_attempt_at = $nextAttemptAt, updated_at = $updatedAt
       WHERE id = $id AND status = 'pending'`,
    ),
    /** One statement per filter combination, prepared once. */
    listDeliveries(conditions: string[]) {
      const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
      let statement = listings.get(where);
      if (!statement) {
        statement = prepare<DeliveryRow>(
          `SELECT ${deliveryColumns} FROM notification_deliveries ${where}
           ORDER BY updated_at DESC, id DESC LIMIT $limit`,
        );
        listings.set(where, statement);
      }
      return statement;
    },
  };
}

function prepareNotificationTransactions(
  database: Database,
  statements: ReturnType<typeof prepareNotificationStatements>,
) {
  return {
    enqueue: database.transaction((deliveries: NotificationDelivery[]): number => {
      let created = 0;
      for (const delivery of deliveries) {
        created += statements.insertDelivery.run({
          id: delivery.id,
          alertId: delivery.alertId,
          kind: delivery.kind,
          recipientId: delivery.recipientId,
          channel: delivery.channel,
          address: delivery.address,
          subject: delivery.subject,
          text: delivery.text,
          payload: delivery.payload,
          status: delivery.status,
          attempts: delivery.attempts,
          nextAttemptAt: toSortableTimestamp(delivery.nextAttemptAt),
          lastError: delivery.lastError ?? null,
          createdAt: toSortableTimestamp(delivery.createdAt),
          updatedAt: toSortableTimestamp(delivery.updatedAt),
        }).changes;
      }
      return created;
    }),
    // IMMEDIATE: two notifiers sharing the file never claim the same delivery.
    claim: database.transaction((now: string, leaseUntil: string, limit: number): NotificationDelivery[] => {
      const due = statements.dueDeliveries.all({ now, limit }).map(toDelivery);
      for (const delivery of due) statements.lease.run({ id: delivery.id, leaseUntil });
      return due.map((delivery) => ({ ...delivery, nextAttemptAt: leaseUntil }));
    }),
  };
}

function toDelivery(row: DeliveryRow): NotificationDelivery {
  return {
    id: row.id,
    alertId: row.alert_id,
    kind: row.kind,
    recipientId: row.recipient_id,
    channel: row.channel,
    address: row.address,
    subject: row.subject,
    text: row.text,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
