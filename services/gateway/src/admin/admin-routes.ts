import {
  AdminChat,
  AdminUserList,
  AgentMessageBody,
  AgentMessageReply,
  AuditAction,
  AuditLogPage,
  ChatAssistance,
  ChatIdParams,
  Id,
  IdParams,
  RoleChange,
  SetRoleBody,
} from "@chat/contracts";
import { Elysia, t } from "elysia";
import type { StaffOnly } from "../auth/staff-only.ts";
import type { ChatAssistanceCommands } from "../chats/chat-assistance.ts";
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
export function adminRoutes(dependencies: {
  staffOnly: StaffOnly;
  admin: AdminCommands;
  assistance: ChatAssistanceCommands;
}) {
  const { admin, assistance } = dependencies;
  const agentOf = (caller: Parameters<ChatAssistanceCommands["agentFor"]>[0], traceparent: string) =>
    assistance.agentFor(caller, traceparent);
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
    )
    .get("/chats/:id", ({ params, traceparent }) => assistance.chatForAgent(params.id, traceparent), {
      staff: "agent",
      params: ChatIdParams,
      response: { 200: AdminChat, ...staffErrors },
      detail: {
        tags: ["takeover"],
        summary: "Any user's chat with its newest messages, owner and help marks (agent or admin)",
        description:
          `${staffDescription} \`heldBy\` is the agent holding the chat as last recorded (past its expiresAt it is free). ` +
          "Follow it live with GET /api/chats/:id/events or a WebSocket `subscribe`: staff may follow any chat.",
      },
    })
    .post(
      "/chats/:id/takeover",
      async ({ params, caller, traceparent }) =>
        assistance.takeOver(await agentOf(caller, traceparent), params.id, traceparent),
      {
        staff: "agent",
        params: ChatIdParams,
        response: { 200: ChatAssistance, ...staffErrors, 409: "ErrorBody" },
        detail: {
          tags: ["takeover"],
          summary: "Take a chat over: the AI stops answering it until it is released (agent or admin)",
          description:
            `${staffDescription} One agent holds a chat at a time: another agent's takeover is 409 CHAT_HELD, naming the holder. ` +
            "Taking over stops an answer that is streaming, closes an open help request and marks the chat `assisted`; the user's devices get `agent_joined`. " +
            "The hold lasts HOLD_TTL_MS from the agent's last takeover or message: the console renews it by calling this again (the same agent: nothing else changes). " +
            "A hold not renewed ends by itself (`agent_left`, reason expired) at the chat's next command. Logged in the audit log.",
        },
      },
    )
    .post(
      "/chats/:id/messages",
      async ({ params, body, caller, traceparent }) =>
        assistance.agentMessage(await agentOf(caller, traceparent), params.id, body, traceparent),
      {
        staff: "agent",
        params: ChatIdParams,
        body: AgentMessageBody,
        response: { 200: AgentMessageReply, ...staffErrors, 409: "ErrorBody" },
        detail: {
          tags: ["takeover"],
          summary: "Write to the chat's user as the agent holding it (agent or admin)",
          description:
            `${staffDescription} Stored as an \`assistant\` message with \`author: { kind: "agent", id, name }\` and shown on every device as \`message_created\`; ` +
            "after the release the model reads it as its own turn. Renews the hold. 409 CHAT_NOT_HELD unless you hold the chat, CHAT_HELD when another agent does. " +
            "The same clientMessageId twice writes one message. Logged in the audit log.",
        },
      },
    )
    .delete(
      "/chats/:id/takeover",
      async ({ params, caller, traceparent }) =>
        assistance.release(await agentOf(caller, traceparent), params.id, traceparent),
      {
        staff: "agent",
        params: ChatIdParams,
        response: { 200: ChatAssistance, ...staffErrors, 409: "ErrorBody" },
        detail: {
          tags: ["takeover"],
          summary: "Give the chat back to the AI (agent or admin)",
          description:
            `${staffDescription} The user's devices get \`agent_left\`; the next message is answered by the AI. Releasing a chat nobody holds changes nothing; ` +
            "one another agent holds is 409 CHAT_HELD. Logged in the audit log.",
        },
      },
    );
}
