import {
  type AdminUser,
  AppError,
  DEFAULT_SESSION_IDLE_MINUTES,
  type StaffActor,
  type StoredUser,
  type StoreReplies,
  type StoreRequest,
  type StoreRequestOf,
} from "@chat/contracts";
import { eraseUser } from "./account-erasure.ts";
import { deleteChatWithFiles } from "./chat-deletion.ts";
import { importChat } from "./chat-import.ts";
import { createShare } from "./share-snapshot.ts";
import type { StoreRepositories } from "./store-repositories.ts";
import type { StoreRequestContext } from "./store-request-context.ts";

export type { StoreRequestContext };

type StoreRequestType = StoreRequest["type"];

function sessionIdleMsOf(context: StoreRequestContext): number {
  return context.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MINUTES * 60_000;
}

/** One handler per request type, each typed to answer exactly the reply that `StoreReplies` promises. */
type StoreRequestHandlers = {
  [T in StoreRequestType]: (
    store: StoreRepositories,
    request: StoreRequestOf<T>,
    context: StoreRequestContext,
  ) => Promise<StoreReplies[T]>;
};

function toAdminUser(user: StoredUser): AdminUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt };
}

/**
 * Checks again that the actor of a staff action is an admin now, by the stored role and
 * ADMIN_EMAILS, whatever the message says (defence in depth: the gateway checked it too). Throws
 * FORBIDDEN otherwise.
 */
async function checkAdmin(store: StoreRepositories, actor: StaffActor, context: StoreRequestContext) {
  const stored = await store.users.findUserById(actor.id);
  if (actor.role !== "admin" || !stored || context.adminEmails.roleOf(stored) !== "admin") {
    throw new AppError("FORBIDDEN", "Only an admin may do this", { retryable: false });
  }
}

function chatNotFound(): never {
  throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
}

/** Throws PROJECT_NOT_FOUND unless the user has a project of this id. */
async function checkProjectOwned(store: StoreRepositories, projectId: string, userId: string) {
  if (!(await store.chatProjects.getProject(projectId, userId))) {
    throw new AppError("PROJECT_NOT_FOUND", "Project not found", { retryable: false });
  }
}

const handlers: StoreRequestHandlers = {
  "store.create_user": (store, request) =>
    store.users.createUser(request.user, { adminIfFirst: request.adminIfFirst }),
  "store.find_or_create_external_user": (store, request) =>
    store.users.findOrCreateExternalUser(request.identity, request.user),
  "store.find_user_by_email": (store, request) => store.users.findUserByEmail(request.email),
  "store.find_user_by_id": (store, request) => store.users.findUserById(request.userId),
  "store.check_database": async (store) => ({ connected: await store.isReady() }),
  "store.rename_user": (store, request) => store.users.renameUser(request.userId, request.name),
  "store.change_password_hash": async (store, request) => ({
    changed: await store.users.changePasswordHash(request.userId, request.passwordHash),
  }),
  "store.revoke_user_sign_ins": async (store, request) => ({
    familyIds: await store.credentials.revokeUserRefreshFamilies(
      request.userId,
      request.revokedAt,
      request.exceptFamilyId,
    ),
  }),
  "store.prepare_account_deletion": async (store, request) => {
    await store.users.prepareDeletion(request.userId);
    return { ready: true };
  },
  "store.erase_user": (store, request, context) => eraseUser(store, request.userId, context),
  "store.list_users": async (store, request) => {
    const page = await store.users.listUsers({ cursor: request.cursor, limit: request.limit });
    return { items: page.items.map(toAdminUser), nextCursor: page.nextCursor };
  },
  "store.set_user_role": async (store, request, context) => {
    await checkAdmin(store, request.actor, context);
    const change = await store.users.changeRole(request.userId, request.role);
    // Logged after the write, under an id the gateway chose: a retried request logs it once.
    if (change.changed) {
      await store.auditLog.append({
        id: request.auditEntryId,
        actor: { id: request.actor.id, email: request.actor.email },
        action: "role_changed",
        chatId: null,
        details: { userId: request.userId, from: change.previousRole, to: change.user.role },
        at: request.at,
      });
    }
    return { user: toAdminUser(change.user), previousRole: change.previousRole, changed: change.changed };
  },
  "store.list_audit_log": (store, request) =>
    store.auditLog.list(
      {
        ...(request.actorId !== undefined && { actorId: request.actorId }),
        ...(request.chatId !== "" && { chatId: request.chatId }),
        ...(request.action !== undefined && { action: request.action }),
      },
      { cursor: request.cursor, limit: request.limit },
    ),
  "store.create_chat": async (store, request, context) => {
    if (request.chat.projectId) await checkProjectOwned(store, request.chat.projectId, request.userId);
    const chat = await store.chats.createChat({ ...request.chat, userId: request.userId });
    await store.console.recordActivity(chat.id, chat.createdAt, sessionIdleMsOf(context));
    return chat;
  },
  "store.get_chat": async (store, request) => {
    const { chatId, userId } = request;
    const chat = await store.chats.getChat(chatId, userId);
    const activeLeaf = chat && (await store.chats.activeLeaf(chatId, userId));
    if (!chat || !activeLeaf) return null;
    const project =
      request.withProjectInstructions && chat.projectId
        ? await store.chatProjects.getProject(chat.projectId, userId)
        : null;
    const instructions = project?.instructions ? { projectInstructions: project.instructions } : {};
    if (request.messageLimit === 0)
      return { chat, messages: [], hasOlderMessages: false, activeLeaf, ...instructions };
    const recent = await store.chats.recentMessages(chatId, userId, request.messageLimit, request.pathTo);
    return {
      chat,
      messages: recent.messages,
      hasOlderMessages: recent.hasOlder,
      activeLeaf,
      ...instructions,
    };
  },
  "store.get_message": (store, request) =>
    store.chats.getMessage(request.chatId, request.userId, request.messageId),
  "store.find_branch_leaf": async (store, request) => {
    const leafId = await store.chats.findBranchLeaf(request.chatId, request.userId, request.messageId);
    return leafId === null ? null : { leafId };
  },
  "store.set_active_leaf": async (store, request) => ({
    set: await store.chats.setActiveLeaf(request.chatId, request.userId, request.leafId, request.version),
  }),
  "store.get_any_chat": async (store, request) => {
    const userId = await store.chats.findChatOwner(request.chatId);
    const chat = userId && (await store.chats.getChat(request.chatId, userId));
    if (!userId || !chat) return null;
    const recent = await store.chats.recentMessages(request.chatId, userId, request.messageLimit);
    return { chat, userId, messages: recent.messages, hasOlderMessages: recent.hasOlder };
  },
  "store.mark_chat": async (store, request) => {
    const before =
      request.needsHelp === undefined ? null : await store.chats.getChat(request.chatId, request.userId);
    const marked = await store.chats.markChat(request.chatId, request.userId, {
      ...(request.needsHelp !== undefined && { needsHelp: request.needsHelp }),
      ...(request.assisted && { assisted: true }),
      ...(request.heldBy !== undefined && { heldBy: request.heldBy }),
    });
    // The console's help history: a help request opened or closed by this very write.
    if (marked && before && before.needsHelp !== marked.needsHelp) {
      await store.console.recordHelp(request.chatId, {
        at: request.occurredAt,
        kind: marked.needsHelp ? "requested" : "closed",
      });
    }
    return marked;
  },
  "store.list_expired_holds": (store, request) => store.chats.listExpiredHolds(request.before, request.limit),
  "store.create_share": (store, request) => createShare(store, request),
  "store.find_share": (store, request) => store.shares.findShare(request.shareId),
  "store.list_shares": (store, request) =>
    store.shares.listShares(request.userId, { cursor: request.cursor, limit: request.limit }),
  "store.delete_share": async (store, request) => ({
    deleted: await store.shares.deleteShare(request.userId, request.shareId),
  }),
  "store.export_chat": (store, request) => store.chats.exportChat(request.chatId, request.userId),
  "store.import_chat": (store, request) => importChat(store, request),
  "store.list_inactive_chats": (store, request) =>
    store.chats.listInactiveChats(request.before, request.limit),
  "store.append_audit_entry": async (store, request) => {
    await store.auditLog.append(request.entry);
    return null;
  },
  "store.list_chats": (store, request) =>
    store.chats.listChats(
      request.userId,
      { cursor: request.cursor, limit: request.limit },
      { projectId: request.projectId, archived: request.archived },
    ),
  "store.create_chat_project": (store, request) =>
    store.chatProjects.createProject({ ...request.project, userId: request.userId }),
  "store.get_chat_project": (store, request) =>
    store.chatProjects.getProject(request.projectId, request.userId),
  "store.list_chat_projects": (store, request) => store.chatProjects.listProjects(request.userId),
  "store.update_chat_project": (store, request) =>
    store.chatProjects.updateProject(request.projectId, request.userId, {
      name: request.name,
      instructions: request.instructions,
      model: request.model,
    }),
  "store.delete_chat_project": async (store, request) => ({
    deleted: await store.chatProjects.deleteProject(request.projectId, request.userId),
  }),
  "store.search_chats": (store, request) =>
    store.chats.searchChats(request.userId, request.query, { cursor: request.cursor, limit: request.limit }),
  "store.list_messages": async (store, request) => {
    if (!(await store.chats.getChat(request.chatId, request.userId))) return null;
    return store.chats.listMessages(request.chatId, request.userId, {
      cursor: request.cursor,
      limit: request.limit,
    });
  },
  "store.append_message": async (store, request, context) => {
    const { message, userId, activeLeafVersion } = request;
    const created = await store.chats.appendMessage(userId, message, { activeLeafVersion });
    if (!created && !(await store.chats.getChat(message.chatId, userId))) chatNotFound();
    await store.console.recordActivity(message.chatId, message.createdAt, sessionIdleMsOf(context));
    // After the message, so a retried append attaches them too; a row never moves to another chat.
    if (message.attachments?.length) {
      const ids = message.attachments.map((attachment) => attachment.id);
      await store.attachments.attachToChat(userId, message.chatId, ids);
    }
    return { created };
  },
  "store.save_answer_draft": async (store, request) => ({
    saved: await store.chats.saveAnswerDraft(request.draft),
  }),
  "store.list_answer_drafts": (store, request) => store.chats.listAnswerDrafts(request.limit),
  "store.update_chat": async (store, request) => {
    if (request.projectId) await checkProjectOwned(store, request.projectId, request.userId);
    const { title, model, systemPrompt, temperature, projectId, pinned, archived } = request;
    return store.chats.updateChat(
      request.chatId,
      request.userId,
      { title, model, systemPrompt, temperature, projectId, pinned, archived },
      request.onlyIfTitle,
    );
  },
  "store.create_attachment": (store, request) =>
    store.attachments.createAttachment(request.attachment, request.quotaBytes),
  "store.find_attachment": async (store, request) =>
    (await store.attachments.findAttachment(request.userId, request.attachmentId)) ?? null,
  "store.delete_attachment": async (store, request) =>
    (await store.attachments.deleteAttachment(request.userId, request.attachmentId)) ?? null,
  "store.attachment_usage": async (store, request) => ({
    usedBytes: await store.attachments.usedBytes(request.userId),
  }),
  "store.delete_chat": async (store, request, context) => ({
    deleted: await deleteChatWithFiles(store, request.chatId, request.userId, context),
  }),
  "store.create_api_key": (store, request) => store.credentials.createApiKey(request.userId, request.apiKey),
  "store.list_api_keys": (store, request) => store.credentials.listApiKeys(request.userId),
  "store.delete_api_key": async (store, request) => ({
    deleted: await store.credentials.deleteApiKey(request.userId, request.keyId),
  }),
  "store.find_api_key": (store, request) => store.credentials.findApiKeyByHash(request.hash, request.usedAt),
  "store.usage_report": (store, request) => store.usage.usageReport(request.userId, request.from, request.to),
  "store.start_refresh_family": async (store, request) => {
    await store.credentials.startRefreshFamily(request.token);
    return null;
  },
  "store.rotate_refresh_token": (store, request) =>
    store.credentials.rotateRefreshToken(request.hash, request.successor),
  "store.revoke_refresh_family": async (store, request) => ({
    familyId: await store.credentials.revokeRefreshFamily(request.hash, request.revokedAt),
  }),
  "store.revoke_refresh_family_by_id": async (store, request) => ({
    revoked: await store.credentials.revokeRefreshFamilyById(
      request.familyId,
      request.userId,
      request.revokedAt,
    ),
  }),
  "store.list_staff_recipients": (store) => store.notifications.listRecipients(),
  "store.put_staff_recipient": (store, request) => store.notifications.putRecipient(request.recipient),
  "store.delete_staff_recipient": async (store, request) => ({
    deleted: await store.notifications.deleteRecipient(request.recipientId),
  }),
  "store.enqueue_notification_deliveries": async (store, request) => ({
    created: await store.notifications.enqueueDeliveries(request.deliveries),
  }),
  "store.claim_notification_deliveries": (store, request) =>
    store.notifications.claimDueDeliveries(request.now, request.leaseUntil, request.limit),
  "store.settle_notification_delivery": async (store, request) => ({
    settled: await store.notifications.settleDelivery(request.deliveryId, request.settlement),
  }),
  "store.list_notification_deliveries": (store, request) =>
    store.notifications.listDeliveries(request.status, { cursor: request.cursor, limit: request.limit }),
  "store.list_console_chats": (store, request, context) =>
    store.console.listChats(
      {
        filter: request.filter,
        sort: request.sort,
        now: request.now,
        sessionIdleMs: sessionIdleMsOf(context),
      },
      { cursor: request.cursor, limit: request.limit },
    ),
  "store.get_console_chat": async (store, request, context) => {
    const chat = await store.console.getChat(request.chatId, request.now, sessionIdleMsOf(context));
    if (!chat) return null;
    const [recent, { metrics, sessions }, history, helpRequests] = await Promise.all([
      store.chats.recentMessages(chat.id, chat.userId, request.messageLimit),
      store.console.chatMetrics(chat.id),
      store.auditLog.list({ chatId: chat.id }, { limit: 50 }),
      store.console.helpHistory(chat.id),
    ]);
    return {
      chat,
      messages: recent.messages,
      hasOlderMessages: recent.hasOlder,
      metrics,
      sessions,
      history: history.items,
      helpRequests,
    };
  },
  "store.get_console_row": (store, request, context) =>
    store.console.getChat(request.chatId, request.now, sessionIdleMsOf(context)),
  "store.console_totals": (store, request, context) =>
    store.console.totals(request.now, sessionIdleMsOf(context)),
};

/**
 * Answers one store request from the port of its aggregate, with the reply shape of its type in
 * `StoreReplies` (@chat/contracts).
 *
 * @example
 * const reply = await handleStoreRequest(store, request); // request.type "store.list_api_keys": ApiKey[]
 */
export async function handleStoreRequest(
  store: StoreRepositories,
  request: StoreRequest,
  context: StoreRequestContext = { adminEmails: { roleOf: (user) => user.role } },
): Promise<StoreReplies[StoreRequestType]> {
  // TypeScript cannot tie the handler picked by `request.type` to that same request's type.
  const handler = handlers[request.type] as (
    store: StoreRepositories,
    request: StoreRequest,
    context: StoreRequestContext,
  ) => Promise<StoreReplies[StoreRequestType]>;
  return handler(store, request, context);
}
