import type { AuditEntry, AuditLogFilter } from "@chat/contracts";
import type { Page, PageRequest } from "./chat-repository.ts";

/**
 * The port of the audit-log aggregate: what staff did, who, to which chat, when. Entries are only
 * ever added; they outlive the users and chats they name. Adapters: `SqliteAuditLog` and
 * `MongoAuditLog`.
 */
export interface AuditLogRepository {
  /** Adds an entry. Idempotent by entry id: a second write of the same id keeps the first, returns false. */
  append(entry: AuditEntry): Promise<boolean>;
  /** The entries that match every filter given, newest first (then by id), a page at a time. */
  list(filter: AuditLogFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}
