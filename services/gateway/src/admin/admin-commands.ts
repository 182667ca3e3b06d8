import type { StoreClient } from "@chat/bus";
import type {
  AdminUserList,
  AuditLogFilter,
  AuditLogPage,
  Role,
  RoleChange,
  StaffActor,
  StaffRole,
} from "@chat/contracts";
import type { Caller } from "../auth/authenticator.ts";
import type { StaffAccess } from "../auth/staff-access.ts";

/** A page asked for: after `cursor` (the previous page's nextCursor), at most `limit` items. */
export type PageAsked = { cursor?: string; limit: number };

/**
 * The staff actions, whichever transport carried them (HTTP or WebSocket): who may (through
 * `StaffAccess`), and the typed store request that does it. Role changes carry the actor, whom
 * the store checks again before it writes and logs.
 *
 * @example
 * const actor = await admin.actorFor(caller, "admin", traceparent);
 * const change = await admin.setRole(actor, "u2", "agent", traceparent);
 */
export class AdminCommands {
  constructor(
    private readonly dependencies: {
      store: Pick<StoreClient, "call">;
      access: Pick<StaffAccess, "check">;
      newId: () => string;
      now?: () => Date;
    },
  ) {}

  /** The staff member `caller` acts as; throws ROUTE_NOT_FOUND (not staff) or FORBIDDEN (too low). */
  actorFor(
    caller: Pick<Caller, "user" | "listedAdmin">,
    needed: StaffRole,
    traceparent: string,
  ): Promise<StaffActor> {
    return this.dependencies.access.check(caller, needed, traceparent);
  }

  /** Every user with their role, oldest account first. */
  async listUsers(page: PageAsked, traceparent: string): Promise<AdminUserList> {
    const { items, nextCursor } = await this.dependencies.store.call("store.list_users", page, traceparent);
    return { users: items, nextCursor };
  }

  /**
   * Gives a user a role, logged in the audit log when it changes anything. Throws USER_NOT_FOUND,
   * LAST_ADMIN (the last admin keeps the role), or FORBIDDEN when the store finds the actor is no
   * longer an admin.
   */
  setRole(actor: StaffActor, userId: string, role: Role, traceparent: string): Promise<RoleChange> {
    const at = (this.dependencies.now?.() ?? new Date()).toISOString();
    return this.dependencies.store.call(
      "store.set_user_role",
      { actor, userId, role, auditEntryId: this.dependencies.newId(), at },
      traceparent,
    );
  }

  /** The audit log, newest first, of the entries that match every filter given. */
  async auditLog(filter: AuditLogFilter, page: PageAsked, traceparent: string): Promise<AuditLogPage> {
    const { items, nextCursor } = await this.dependencies.store.call(
      "store.list_audit_log",
      {
        ...(filter.chatId !== undefined && { chatId: filter.chatId }),
        ...(filter.actorId !== undefined && { actorId: filter.actorId }),
        ...(filter.action !== undefined && { action: filter.action }),
        ...page,
      },
      traceparent,
    );
    return { entries: items, nextCursor };
  }
}
