import { type Static, Type } from "@sinclair/typebox";
import { AuditEntry, AuditLogFilter, StaffActor } from "../admin.ts";
import { ConsoleChatFilter, ConsoleSort } from "../console.ts";
import { ChatHold, Id, MAX_SEARCH_QUERY_CHARS, MAX_TEMPERATURE, Message, Role } from "../http.ts";
import { ShareId } from "../shares.ts";
import { ChatSettings } from "./chat-commands.ts";
import { busMessage } from "./envelope.ts";
import {
  DeliverySettlement,
  NotificationDelivery,
  NotificationDeliveryStatus,
  StaffRecipient,
} from "./staff-alerts.ts";
import {
  AnswerDraft,
  ExternalIdentity,
  NewExternalUser,
  RefreshTokenSuccessor,
  StoredApiKey,
  StoredAttachment,
  StoredRefreshToken,
  StoredUser,
} from "./store-records.ts";

// Requests to the message store (request/reply); each one's reply is in `storeReplySchemas`.
const ChatOwner = { chatId: Id, userId: Id };
const AttachmentOwner = { attachmentId: Id, userId: Id };
const Page = { cursor: Type.Optional(Type.String()), limit: Type.Integer({ minimum: 1, maximum: 500 }) };

export const StoreRequest = Type.Union([
  busMessage("store.create_user", {
    user: StoredUser,
    adminIfFirst: Type.Optional(
      Type.Boolean({
        description: "The first account of all gets the admin role, decided by the same write",
      }),
    ),
  }),
  busMessage("store.find_or_create_external_user", { identity: ExternalIdentity, user: NewExternalUser }),
  busMessage("store.find_user_by_email", { email: Type.String() }),
  busMessage("store.find_user_by_id", { userId: Id }),
  // Whether the store's database answers (the Go Chat compatible `GET /health`).
  busMessage("store.check_database", {}),
  busMessage("store.list_users", Page),
  busMessage("store.rename_user", { userId: Id, name: Type.String({ minLength: 1, maxLength: 100 }) }),
  busMessage("store.change_password_hash", { userId: Id, passwordHash: Type.String({ minLength: 1 }) }),
  // Sign out everywhere: every refresh family of the user but `exceptFamilyId` is revoked.
  busMessage("store.revoke_user_sign_ins", {
    userId: Id,
    revokedAt: Type.String({ format: "date-time" }),
    exceptFamilyId: Type.Optional(Type.String({ minLength: 1 })),
  }),
  // Account deletion: first the check that the user is not the last admin, then, once the chats
  // went through their actors, the erasure of everything else the store keeps of the user.
  busMessage("store.prepare_account_deletion", { userId: Id }),
  busMessage("store.erase_user", { userId: Id }),
  busMessage("store.set_user_role", {
    actor: StaffActor,
    userId: Id,
    role: Role,
    auditEntryId: Type.String({ ...Id, description: "The id of the audit entry the change is logged under" }),
    at: Type.String({ format: "date-time" }),
  }),
  // The envelope's `chatId` filters by chat when it is not empty.
  busMessage("store.list_audit_log", {
    actorId: AuditLogFilter.properties.actorId,
    action: AuditLogFilter.properties.action,
    ...Page,
  }),
  busMessage("store.create_chat", {
    userId: Id,
    chat: Type.Object({
      id: Id,
      title: Type.String(),
      model: Type.String(),
      systemPrompt: Type.Optional(Type.String()),
      temperature: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_TEMPERATURE })),
      projectId: Type.Optional(Id),
      createdAt: Type.String(),
    }),
  }),
  busMessage("store.get_chat", {
    ...ChatOwner,
    messageLimit: Type.Integer({ minimum: 0, maximum: 500 }),
    pathTo: Type.Optional(
      Type.String({
        ...Id,
        description: "The messages of the path that ends here instead of the active path",
      }),
    ),
    withProjectInstructions: Type.Optional(
      Type.Boolean({ description: "Also the instructions of the chat's project, as they are now" }),
    ),
  }),
  // One message of the chat, with its parent; null when the chat has none of that id.
  busMessage("store.get_message", { ...ChatOwner, messageId: Id }),
  // The end of the branch through `messageId`, down its newest version at each step.
  busMessage("store.find_branch_leaf", { ...ChatOwner, messageId: Id }),
  // The active path ends at `leafId` now, unless a change of a higher version came first.
  busMessage("store.set_active_leaf", { ...ChatOwner, leafId: Id, version: Type.Integer({ minimum: 0 }) }),
  // A staff read: any user's chat, with its owner. The gateway checks the caller's role first.
  busMessage("store.get_any_chat", { chatId: Id, messageLimit: Type.Integer({ minimum: 0, maximum: 500 }) }),
  // The help and takeover marks the chat's actor records; an absent field keeps its value.
  busMessage("store.mark_chat", {
    ...ChatOwner,
    needsHelp: Type.Optional(Type.Boolean()),
    assisted: Type.Optional(Type.Literal(true, { description: "Once assisted, always assisted" })),
    heldBy: Type.Optional(Type.Union([ChatHold, Type.Null()])),
  }),
  // Chats whose recorded hold ended before `before`, for the session's sweep.
  busMessage("store.list_expired_holds", {
    before: Type.String({ format: "date-time" }),
    limit: Type.Integer({ minimum: 1, maximum: 500 }),
  }),
  // A share link: the store takes the snapshot of the chat's messages itself.
  busMessage("store.create_share", {
    ...ChatOwner,
    shareId: ShareId,
    createdAt: Type.String({ format: "date-time" }),
  }),
  busMessage("store.find_share", { shareId: Type.String({ maxLength: 64 }) }),
  busMessage("store.list_shares", { userId: Id, ...Page }),
  busMessage("store.delete_share", { userId: Id, shareId: Type.String({ maxLength: 64 }) }),
  busMessage("store.export_chat", ChatOwner),
  // An imported chat with its messages (their parentIds set), written once: the ids are the
  // import's, derived from the source, so importing the same file again writes nothing.
  busMessage("store.import_chat", {
    userId: Id,
    chat: Type.Object({
      id: Id,
      title: Type.String({ minLength: 1, maxLength: 200 }),
      model: Type.String(),
      systemPrompt: Type.Optional(Type.String()),
      temperature: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_TEMPERATURE })),
      createdAt: Type.String({ format: "date-time" }),
    }),
    messages: Type.Array(Message, { maxItems: 5_000 }),
    activeLeafId: Type.Union([Id, Type.Null()]),
  }),
  busMessage("store.list_inactive_chats", {
    before: Type.String({ format: "date-time" }),
    limit: Type.Integer({ minimum: 1, maximum: 500 }),
  }),
  // Staff actions logged by the service that did them; a repeated id is logged once.
  busMessage("store.append_audit_entry", { entry: AuditEntry }),
  busMessage("store.list_chats", {
    userId: Id,
    projectId: Type.Optional(Type.String({ ...Id, description: "Only the chats of this project" })),
    archived: Type.Optional(
      Type.Boolean({ description: "true: only archived chats; false: only the others; absent: all" }),
    ),
    ...Page,
  }),
  // Projects: named groups of a user's chats with instructions and a default model.
  busMessage("store.create_chat_project", {
    userId: Id,
    project: Type.Object({
      id: Id,
      name: Type.String({ minLength: 1 }),
      instructions: Type.String(),
      model: Type.Optional(Type.String({ minLength: 1 })),
      createdAt: Type.String({ format: "date-time" }),
    }),
  }),
  busMessage("store.get_chat_project", { userId: Id, projectId: Id }),
  busMessage("store.list_chat_projects", { userId: Id }),
  busMessage("store.update_chat_project", {
    userId: Id,
    projectId: Id,
    name: Type.Optional(Type.String({ minLength: 1 })),
    instructions: Type.Optional(Type.String()),
    model: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  }),
  // The project goes; chats still in it stay, out of any project.
  busMessage("store.delete_chat_project", { userId: Id, projectId: Id }),
  busMessage("store.search_chats", {
    userId: Id,
    query: Type.String({ minLength: 1, maxLength: MAX_SEARCH_QUERY_CHARS }),
    ...Page,
  }),
  busMessage("store.list_messages", { ...ChatOwner, ...Page }),
  busMessage("store.append_message", {
    userId: Id,
    message: Message,
    activeLeafVersion: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: "The message ends the active path, unless a newer change came first",
      }),
    ),
  }),
  busMessage("store.save_answer_draft", { draft: AnswerDraft }),
  busMessage("store.list_answer_drafts", { limit: Type.Integer({ minimum: 1, maximum: 500 }) }),
  busMessage("store.update_chat", {
    ...ChatOwner,
    ...ChatSettings,
    onlyIfTitle: Type.Optional(Type.String()),
  }),
  busMessage("store.delete_chat", ChatOwner),
  busMessage("store.create_attachment", {
    attachment: StoredAttachment,
    quotaBytes: Type.Integer({
      minimum: 0,
      description: "The most bytes the user's attachments may hold together",
    }),
  }),
  busMessage("store.find_attachment", AttachmentOwner),
  busMessage("store.delete_attachment", AttachmentOwner),
  busMessage("store.attachment_usage", { userId: Id }),
  busMessage("store.create_api_key", { userId: Id, apiKey: StoredApiKey }),
  busMessage("store.list_api_keys", { userId: Id }),
  busMessage("store.delete_api_key", { userId: Id, keyId: Id }),
  busMessage("store.find_api_key", {
    hash: Type.String({ minLength: 1 }),
    usedAt: Type.String({ format: "date-time", description: "Recorded as the key's lastUsedAt" }),
  }),
  busMessage("store.usage_report", {
    userId: Id,
    from: Type.String({ format: "date-time" }),
    to: Type.String({ format: "date-time" }),
  }),
  busMessage("store.start_refresh_family", { token: StoredRefreshToken }),
  busMessage("store.rotate_refresh_token", {
    hash: Type.String({ minLength: 1 }),
    successor: RefreshTokenSuccessor,
  }),
  busMessage("store.revoke_refresh_family", {
    hash: Type.String({ minLength: 1, description: "Any token of the family" }),
    revokedAt: Type.String({ format: "date-time" }),
  }),
  busMessage("store.revoke_refresh_family_by_id", {
    familyId: Type.String({ minLength: 1, description: "The sign-in (`sid`) of an access token" }),
    userId: Id,
    revokedAt: Type.String({ format: "date-time" }),
  }),
  busMessage("store.list_staff_recipients", {}),
  busMessage("store.put_staff_recipient", { recipient: StaffRecipient }),
  busMessage("store.delete_staff_recipient", { recipientId: Id }),
  busMessage("store.enqueue_notification_deliveries", {
    deliveries: Type.Array(NotificationDelivery, { maxItems: 500 }),
  }),
  busMessage("store.claim_notification_deliveries", {
    now: Type.String({ format: "date-time" }),
    leaseUntil: Type.String({
      format: "date-time",
      description: "Claimed deliveries are due again then, should the claimer die before settling them",
    }),
    limit: Type.Integer({ minimum: 1, maximum: 500 }),
  }),
  busMessage("store.settle_notification_delivery", {
    deliveryId: Type.String({ minLength: 1 }),
    settlement: DeliverySettlement,
  }),
  busMessage("store.list_notification_deliveries", {
    status: Type.Optional(NotificationDeliveryStatus),
    ...Page,
  }),
  busMessage("store.list_console_chats", {
    filter: ConsoleChatFilter,
    sort: ConsoleSort,
    now: Type.String({ format: "date-time", description: "The clock that statuses are decided by" }),
    ...Page,
  }),
  busMessage("store.get_console_chat", {
    chatId: Id,
    now: Type.String({ format: "date-time" }),
    messageLimit: Type.Integer({ minimum: 1, maximum: 500 }),
  }),
  busMessage("store.get_console_row", { chatId: Id, now: Type.String({ format: "date-time" }) }),
  busMessage("store.console_totals", { now: Type.String({ format: "date-time" }) }),
]);
export type StoreRequest = Static<typeof StoreRequest>;
export type StoreRequestOf<T extends StoreRequest["type"]> = Extract<StoreRequest, { type: T }>;
