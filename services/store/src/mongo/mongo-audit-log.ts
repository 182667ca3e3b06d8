import type { AuditEntry, AuditLogFilter } from "@chat/contracts";
import type { Collection, Db, Filter } from "mongodb";
import type { AuditLogRepository } from "../audit-log-repository.ts";
import type { Page, PageRequest } from "../chat-repository.ts";
import { checkLimit, decodeCursor, toPage, toSortableTimestamp } from "../page-cursor.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";

/** An entry of `auditLog`; `_id` is the entry's id, so writing it twice keeps one. */
type AuditDocument = {
  _id: string;
  actorId: string;
  actorEmail: string;
  action: AuditEntry["action"];
  chatId: string | null;
  details: Record<string, string>;
  at: Date;
};

const newestFirst = { at: -1, _id: -1 } as const;

/**
 * The audit log of the MongoDB store.
 *
 * @example
 * const auditLog = new MongoAuditLog(database);
 * await auditLog.init();
 */
export class MongoAuditLog implements AuditLogRepository {
  private readonly entries: Collection<AuditDocument>;

  constructor(database: Db) {
    this.entries = database.collection<AuditDocument>("auditLog");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await this.entries.createIndexes([
      { key: newestFirst, name: "by_time" },
      { key: { actorId: 1, ...newestFirst }, name: "by_actor_time" },
      { key: { chatId: 1, ...newestFirst }, name: "by_chat_time" },
    ]);
  }

  async append(entry: AuditEntry): Promise<boolean> {
    try {
      await this.entries.insertOne({
        _id: entry.id,
        actorId: entry.actor.id,
        actorEmail: entry.actor.email,
        action: entry.action,
        chatId: entry.chatId,
        details: entry.details,
        at: new Date(toSortableTimestamp(entry.at)),
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async list(filter: AuditLogFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    checkLimit(page.limit, 1);
    const query: Filter<AuditDocument> = {
      ...(filter.actorId !== undefined && { actorId: filter.actorId }),
      ...(filter.chatId !== undefined && { chatId: filter.chatId }),
      ...(filter.action !== undefined && { action: filter.action }),
    };
    if (page.cursor !== undefined) {
      const before = decodeCursor(page.cursor);
      const at = new Date(before.at);
      query.$or = [{ at: { $lt: at } }, { at, _id: { $lt: before.id } }];
    }
    const documents = await this.entries
      .find(query)
      .sort(newestFirst)
      .limit(page.limit + 1)
      .toArray();
    return toPage(documents.map(toAuditEntry), page.limit, (entry) => ({ at: entry.at, id: entry.id }));
  }
}

function toAuditEntry(document: AuditDocument): AuditEntry {
  return {
    id: document._id,
    actor: { id: document.actorId, email: document.actorEmail },
    action: document.action,
    chatId: document.chatId,
    details: document.details,
    at: document.at.toISOString(),
  };
}
