import type { Database } from "bun:sqlite";
import type { AuditEntry, AuditLogFilter } from "@chat/contracts";
import type { AuditLogRepository } from "../audit-log-repository.ts";
import type { Page, PageRequest } from "../chat-repository.ts";
import { checkLimit, decodeCursor, toPage, toSortableTimestamp } from "../page-cursor.ts";
import { prepareStatement } from "./prepare-statement.ts";

/** A row of `audit_log`. */
type AuditRow = {
  id: string;
  actor_id: string;
  actor_email: string;
  action: AuditEntry["action"];
  chat_id: string | null;
  details: string;
  at: string;
};

const auditColumns = "id, actor_id, actor_email, action, chat_id, details, at";

/** Every filter is optional: a null binding matches any value. */
const matchesFilter = `($actorId IS NULL OR actor_id = $actorId)
  AND ($chatId IS NULL OR chat_id = $chatId)
  AND ($action IS NULL OR action = $action)`;

/**
 * The audit log of the SQLite store.
 *
 * @example
 * const auditLog = new SqliteAuditLog(database);
 * await auditLog.append(entry);
 */
export class SqliteAuditLog implements AuditLogRepository {
  private readonly statements: ReturnType<typeof prepareAuditStatements>;

  constructor(database: Database) {
    this.statements = prepareAuditStatements(database);
  }

  async append(entry: AuditEntry): Promise<boolean> {
    const result = this.statements.insert.run({
      id: entry.id,
      actorId: entry.actor.id,
      actorEmail: entry.actor.email,
      action: entry.action,
      chatId: entry.chatId,
      details: JSON.stringify(entry.details),
      at: toSortableTimestamp(entry.at),
    });
    return result.changes > 0;
  }

  async list(filter: AuditLogFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    checkLimit(page.limit, 1);
    const bindings = {
      actorId: filter.actorId ?? null,
      chatId: filter.chatId ?? null,
      action: filter.action ?? null,
      limit: page.limit + 1,
    };
    const rows =
      page.cursor === undefined
        ? this.statements.newest.all(bindings)
        : this.statements.before.all({ ...bindings, ...beforeBindings(page.cursor) });
    return toPage(rows.map(toAuditEntry), page.limit, (entry) => ({ at: entry.at, id: entry.id }));
  }
}

function beforeBindings(cursor: string): { beforeAt: string; beforeId: string } {
  const key = decodeCursor(cursor);
  return { beforeAt: key.at, beforeId: key.id };
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    actor: { id: row.actor_id, email: row.actor_email },
    action: row.action,
    chatId: row.chat_id,
    details: JSON.parse(row.details) as Record<string, string>,
    at: row.at,
  };
}

function prepareAuditStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insert: prepare(
      `INSERT INTO audit_log (${auditColumns})
       VALUES ($id, $actorId, $actorEmail, $action, $chatId, $details, $at)
       ON CONFLICT (id) DO NOTHING`,
    ),
    newest: prepare<AuditRow>(
      `SELECT ${auditColumns} FROM audit_log WHERE ${matchesFilter}
       ORDER BY at DESC, id DESC LIMIT $limit`,
    ),
    before: prepare<AuditRow>(
      `SELECT ${auditColumns} FROM audit_log WHERE ${matchesFilter} AND (at, id) < ($beforeAt, $beforeId)
       ORDER BY at DESC, id DESC LIMIT $limit`,
    ),
  };
}
