import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { AdminUser, AuditEntry, RoleChange } from "../admin.ts";
import { ChatProject } from "../chat-projects.ts";
import { ConsoleChat, ConsoleChatDetail, ConsoleTotals } from "../console.ts";
import { ApiKey, Chat, ChatSearchHit, Message, UsageReport } from "../http.ts";
import { StoredShare } from "../shares.ts";
import { NotificationDelivery, StaffRecipient } from "./staff-alerts.ts";
import { AnswerDraft, RefreshRotation, StoredAttachment, StoredUser } from "./store-records.ts";
import type { StoreRequest } from "./store-requests.ts";

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** One page of a list, and the cursor of the next (null on the last page). */
const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: nullable(Type.String()) });

/** The reply schema of each store request, by its `type`. */
export const storeReplySchemas = {
  /** The user as stored, with the role the write decided (`adminIfFirst`). */
  "store.create_user": StoredUser,
  /** The user of this identity: the one created now, or the one created on an earlier sight. */
  "store.find_or_create_external_user": StoredUser,
  "store.find_user_by_email": nullable(StoredUser),
  "store.find_user_by_id": nullable(StoredUser),
  "store.check_database": Type.Object({ connected: Type.Boolean() }),
  /** The user as stored now; null for an unknown user. */
  "store.rename_user": nullable(StoredUser),
  /** False for an unknown user and for the user of an external identity (no password here). */
  "store.change_password_hash": Type.Object({ changed: Type.Boolean() }),
  /** The sign-ins revoked now, so their access tokens can be ended. */
  "store.revoke_user_sign_ins": Type.Object({ familyIds: Type.Array(Type.String()) }),
  /** Refused: LAST_ADMIN for the last admin, USER_NOT_FOUND for an unknown user. */
  "store.prepare_account_deletion": Type.Object({ ready: Type.Literal(true) }),
  /** What was deleted: chats and files left over, and whether the user's row was still there. */
  "store.erase_user": Type.Object({
    chats: Type.Integer({ minimum: 0 }),
    files: Type.Integer({ minimum: 0 }),
    erased: Type.Boolean(),
  }),
  /** Oldest account first. */
  "store.list_users": Page(AdminUser),
  /**
   * The user with the role now stored. Refused: FORBIDDEN when the actor is not an admin in the
   * store, USER_NOT_FOUND, LAST_ADMIN when it would leave no admin.
   */
  "store.set_user_role": RoleChange,
  /** Newest first. */
  "store.list_audit_log": Page(AuditEntry),
  "store.create_chat": Chat,
  /**
   * `activeLeaf`: the end of the active path (null without messages) and the version that set it.
   * `projectInstructions`: when asked for and the chat's project has some.
   */
  "store.get_chat": nullable(
    Type.Object({
      chat: Chat,
      messages: Type.Array(Message),
      hasOlderMessages: Type.Boolean(),
      activeLeaf: Type.Optional(
        Type.Object({ id: nullable(Type.String()), version: Type.Integer({ minimum: 0 }) }),
      ),
      projectInstructions: Type.Optional(Type.String()),
    }),
  ),
  "store.get_message": nullable(Message),
  "store.find_branch_leaf": nullable(Type.Object({ leafId: Type.String() })),
  /** `set` is false when the chat has no such message or a newer version was set already. */
  "store.set_active_leaf": Type.Object({ set: Type.Boolean() }),
  "store.get_any_chat": nullable(
    Type.Object({
      chat: Chat,
      userId: Type.String(),
      messages: Type.Array(Message),
      hasOlderMessages: Type.Boolean(),
    }),
  ),
  /** The chat as marked now; null when it is not the user's. */
  "store.mark_chat": nullable(Chat),
  "store.append_audit_entry": Type.Null(),
  /** Oldest expiry first. */
  "store.list_expired_holds": Type.Array(Type.Object({ chatId: Type.String(), userId: Type.String() })),
  /** The snapshot as stored; null when the user has no such chat. */
  "store.create_share": nullable(StoredShare),
  "store.find_share": nullable(StoredShare),
  /** The user's share links, newest first. */
  "store.list_shares": Page(
    Type.Object({
      id: Type.String(),
      chatId: Type.String(),
      title: Type.String(),
      createdAt: Type.String(),
      messageCount: Type.Integer({ minimum: 0 }),
    }),
  ),
  "store.delete_share": Type.Object({ deleted: Type.Boolean() }),
  /** The chat and every message on every branch, oldest first; null when the user has no such chat. */
  "store.export_chat": nullable(
    Type.Object({ chat: Chat, messages: Type.Array(Message), activeLeafId: nullable(Type.String()) }),
  ),
  /** False when the chat was imported before (nothing is written again). */
  "store.import_chat": Type.Object({ created: Type.Boolean() }),
  /** The longest idle first. */
  "store.list_inactive_chats": Type.Array(Type.Object({ chatId: Type.String(), userId: Type.String() })),
  /** Pinned chats first, then newest activity first. */
  "store.list_chats": Page(Chat),
  /** The project created, or the one stored under this id already for this user. */
  "store.create_chat_project": ChatProject,
  "store.get_chat_project": nullable(ChatProject),
  "store.list_chat_projects": Type.Array(ChatProject),
  /** Null when the user has no such project. */
  "store.update_chat_project": nullable(ChatProject),
  "store.delete_chat_project": Type.Object({ deleted: Type.Boolean() }),
  /** The user's chats whose title or messages contain the query (case-insensitive), newest activity first. */
  "store.search_chats": Page(ChatSearchHit),
  "store.list_messages": nullable(Page(Message)),
  "store.append_message": Type.Object({ created: Type.Boolean() }),
  /** `saved` is false when the answer was already written or deleted, or the chat is gone. */
  "store.save_answer_draft": Type.Object({ saved: Type.Boolean() }),
  "store.list_answer_drafts": Type.Array(AnswerDraft),
  /** null when the chat is not the user's; `updated` is false when `onlyIfTitle` did not match. */
  "store.update_chat": nullable(Type.Object({ chat: Chat, updated: Type.Boolean() })),
  "store.delete_chat": Type.Object({ deleted: Type.Boolean() }),
  /** `created` is false, and nothing written, when the attachment would take the user past the quota. */
  "store.create_attachment": Type.Object({
    created: Type.Boolean(),
    usedBytes: Type.Integer({ minimum: 0 }),
  }),
  /** null when the user has no attachment of that id. */
  "store.find_attachment": nullable(StoredAttachment),
  /** The deleted row, whose object the caller deletes; null when the user has no attachment of that id. */
  "store.delete_attachment": nullable(StoredAttachment),
  /** The bytes the user's attachments hold together. */
  "store.attachment_usage": Type.Object({ usedBytes: Type.Integer({ minimum: 0 }) }),
  "store.create_api_key": ApiKey,
  /** Newest first. */
  "store.list_api_keys": Type.Array(ApiKey),
  "store.delete_api_key": Type.Object({ deleted: Type.Boolean() }),
  "store.find_api_key": nullable(Type.Object({ apiKey: ApiKey, user: StoredUser })),
  "store.usage_report": UsageReport,
  "store.start_refresh_family": Type.Null(),
  "store.rotate_refresh_token": RefreshRotation,
  /** The revoked family's id; null when no token has this hash. */
  "store.revoke_refresh_family": Type.Object({ familyId: nullable(Type.String()) }),
  /** false when the user has no family of that id. */
  "store.revoke_refresh_family_by_id": Type.Object({ revoked: Type.Boolean() }),
  /** Every staff recipient, by name. */
  "store.list_staff_recipients": Type.Array(StaffRecipient),
  "store.put_staff_recipient": StaffRecipient,
  "store.delete_staff_recipient": Type.Object({ deleted: Type.Boolean() }),
  /** How many were new: a delivery whose id is already stored is left as it is. */
  "store.enqueue_notification_deliveries": Type.Object({ created: Type.Integer({ minimum: 0 }) }),
  /** Pending deliveries due by `now`, earliest first, each now due again only at `leaseUntil`. */
  "store.claim_notification_deliveries": Type.Array(NotificationDelivery),
  /** false when the delivery is unknown or no longer pending. */
  "store.settle_notification_delivery": Type.Object({ settled: Type.Boolean() }),
  /** Newest change first; with `status: "dead"`, the dead-lettered deliveries the console lists. */
  "store.list_notification_deliveries": Page(NotificationDelivery),
  /** In the order asked for; statuses as of the request's `now`. */
  "store.list_console_chats": Page(ConsoleChat),
  /** Null when there is no such chat. */
  "store.get_console_chat": nullable(ConsoleChatDetail),
  /** The conversation's row of the console's list alone (the live list's read); null when there is no such chat. */
  "store.get_console_row": nullable(ConsoleChat),
  "store.console_totals": ConsoleTotals,
} satisfies Record<StoreRequest["type"], TSchema>;

/** What the store answers to each request type. */
export type StoreReplies = {
  [T in keyof typeof storeReplySchemas]: Static<(typeof storeReplySchemas)[T]>;
};
