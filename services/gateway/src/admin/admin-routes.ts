import {
  AdminUserList,
  AuditAction,
  AuditLogPage,
  Id,
  IdParams,
  RoleChange,
  SetRoleBody,
} from "@chat/contracts";
import { Elysia, t } from "elysia";
import type { StaffOnly } from "../auth/staff-only.ts";
import { PageQuery } from "../chats/query-schemas.ts";
import { apiModels } from "../openai/api-models.ts";
import type { AdminCommands } from "./admin-commands.ts";

const AuditLogQuery = t.Object({
  ...PageQuery.properties,
  actorId: t.Optional(t.String({ ...Id, description: "Only the actions of this staff member" })),
  chatId: t.Optional(t.String({ ...Id, description: "Only the actions on this chat" })),
  action: t.Optional(AuditAction),
});

/** Staff routes answer these besides their own; 404 and 403 are who may (see `staffOnly`). */
const staffErrors = { 400: "ErrorBody", 401: "ErrorBody", 403: "ErrorBody", 404: "ErrorBody" } as const;

const staffDescription =
  "A signed-in caller without a staff role gets 404 ROUTE_NOT_FOUND, as for a route that does not " +
  "exist; an agent on an admin-only route 403 FORBIDDEN. The role is the one the caller has now.";

/**
 * `/api/admin`: users and their roles, and the audit log. Listing users is for agents and admins
 * (support finds the user it helps); changing roles and reading the audit log is for admins.
 */
export function adminRoutes(dependencies: { staffOnly: StaffOnly; admin: AdminCommands }) {
  const { admin } = dependencies;
  return new Elysia({ name: "admin-routes", prefix: "/api/admin" })
    .use(apiModels)
    .use(dependencies.staffOnly)
    .get(
      "/users",
      ({ query, traceparent }) =>
        admin.listUsers({ cursor: query.cursor, limit: query.limit ?? 30 }, traceparent),
      {
        staff: "agent",
        query: PageQuery,
        response: { 200: AdminUserList, ...staffErrors },
        detail: {
          tags: ["admin"],
          summary: "Every user with their role, oldest account first (agent or admin)",
          description: staffDescription,
        },
      },
    )
    .put(
      "/users/:id/role",
      ({ params, body, staff, traceparent }) => admin.setRole(staff, params.id, body.role, traceparent),
      {
        staff: "admin",
        params: IdParams,
        body: SetRoleBody,
        response: { 200: RoleChange, ...staffErrors, 409: "ErrorBody" },
        detail: {
          tags: ["admin"],
          summary: "Give a user the role user, agent or admin (admin); logged in the audit log",
          description:
            `${staffDescription} It takes effect at once on the user's staff routes and frames. An unknown ` +
            "user is 404 USER_NOT_FOUND; demoting the last admin (yourself included) is 409 LAST_ADMIN. " +
            "Setting the role a user has already changes and logs nothing (`changed: false`). An email in " +
            "ADMIN_EMAILS stays admin whatever its stored role.",
        },
      },
    )
    .get(
      "/audit-log",
      ({ query, traceparent }) =>
        admin.auditLog(
          { actorId: query.actorId, chatId: query.chatId, action: query.action },
          { cursor: query.cursor, limit: query.limit ?? 30 },
          traceparent,
        ),
      {
        staff: "admin",
        query: AuditLogQuery,
        response: { 200: AuditLogPage, ...staffErrors },
        detail: {
          tags: ["admin"],
          summary: "What staff did, newest first, filtered by actor, chat or action (admin)",
          description: staffDescription,
        },
      },
    );
}
