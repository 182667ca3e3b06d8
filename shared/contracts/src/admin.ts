import { type Static, Type } from "@sinclair/typebox";
import { Id, Role, Timestamp } from "./http.ts";

/** A role that opens the staff routes: `agent` (the support console) or `admin` (everything). */
export const StaffRole = Type.Union([Type.Literal("agent"), Type.Literal("admin")]);
export type StaffRole = Static<typeof StaffRole>;

/** A user as an admin sees them in the list of users: no password, no credentials. */
export const AdminUser = Type.Object(
  {
    id: Id,
    email: Type.String(),
    name: Type.String(),
    role: Role,
    createdAt: Timestamp,
  },
  { $id: "AdminUser" },
);
export type AdminUser = Static<typeof AdminUser>;

/** One page of users, oldest account first. */
export const AdminUserList = Type.Object(
  { users: Type.Array(AdminUser), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: "AdminUserList" },
);
export type AdminUserList = Static<typeof AdminUserList>;

/** `PUT /api/admin/users/:id/role`: the user's new role. */
export const SetRoleBody = Type.Object({ role: Role }, { additionalProperties: false });
export type SetRoleBody = Static<typeof SetRoleBody>;

/** What `PUT /api/admin/users/:id/role` answers: the user as stored now, and the role before. */
export const RoleChange = Type.Object(
  {
    user: AdminUser,
    previousRole: Role,
    changed: Type.Boolean({ description: "false when the user had that role already (nothing logged)" }),
  },
  { $id: "RoleChange" },
);
export type RoleChange = Static<typeof RoleChange>;

/**
 * What a staff action did. `role_changed`: an admin gave a user another role (details `userId`,
 * `from`, `to`). `chat_taken_over`, `agent_message` (details `messageId`) and `chat_released`
 * (details `reason`: `released` or `expired`): an agent's takeover of a chat (details `userId`, the
 * chat's owner, on all three).
 */
export const AuditAction = Type.Union([
  Type.Literal("role_changed"),
  Type.Literal("chat_taken_over"),
  Type.Literal("agent_message"),
  Type.Literal("chat_released"),
]);
export type AuditAction = Static<typeof AuditAction>;

/** Who did a staff action: their id, and their email then (kept, so the log outlives a rename). */
export const AuditActor = Type.Object({ id: Id, email: Type.String() });
export type AuditActor = Static<typeof AuditActor>;

/** One entry of the audit log: who did what, to which chat if any, when. Entries never change. */
export const AuditEntry = Type.Object(
  {
    id: Id,
    actor: AuditActor,
    action: AuditAction,
    chatId: Type.Union([Id, Type.Null()], { description: "The chat acted on; null for none" }),
    details: Type.Record(Type.String(), Type.String(), { description: "What was done, by the action" }),
    at: Timestamp,
  },
  { $id: "AuditEntry" },
);
export type AuditEntry = Static<typeof AuditEntry>;

/** One page of the audit log, newest first. */
export const AuditLogPage = Type.Object(
  { entries: Type.Array(AuditEntry), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: "AuditLogPage" },
);
export type AuditLogPage = Static<typeof AuditLogPage>;

/** Which entries of the audit log to list; every filter given must match. */
export const AuditLogFilter = Type.Object({
  actorId: Type.Optional(Id),
  chatId: Type.Optional(Id),
  action: Type.Optional(AuditAction),
});
export type AuditLogFilter = Static<typeof AuditLogFilter>;

/**
 * The staff member behind a staff action, as a bus message carries it to the service that acts:
 * that service checks the role again against the store (defence in depth).
 */
export const StaffActor = Type.Object({
  id: Id,
  email: Type.String(),
  role: StaffRole,
});
export type StaffActor = Static<typeof StaffActor>;
