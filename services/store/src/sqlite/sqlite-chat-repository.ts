import type { Database } from "bun:sqlite";
import { type AnswerDraft, AppError, type Chat, type ChatSearchHit, type Message } from "@chat/contracts";
import type {
  ActiveLeaf,
  ChatChanges,
  ChatListFilter,
  ChatMarks,
  ChatRepository,
  NewChat,
  Page,
  PageRequest,
} from "../chat-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { MessageTree } from "../message-tree.ts";
import {
  chatSortKey,
  checkLimit,
  decodeChatListCursor,
  decodeCursor,
  toChatListPage,
  toPage,
  toSortableTimestamp,
} from "../page-cursor.ts";
import { searchMatcher } from "../search-matcher.ts";
import { hitsOnActivePath } from "../search-on-active-path.ts";
import {
  afterBindings,
  type ChatSearchRow,
  toChat,
  toChatSearchHit,
  toLikePattern,
  toMessage,
  toTokenColumn,
  toTreeNode,
} from "./sqlite-chat-rows.ts";
import {
  type ChatStatements,
  prepareChatStatements,
  prepareChatTransactions,
} from "./sqlite-chat-statements.ts";

/**
 * The chats of the SQLite store: chats, messages, search, tombstones and answer drafts. Titles,
 * system prompts, message text and drafts go through `cipher` (stored encrypted when it has keys).
 *
 * @example
 * const chats = new SqliteChatRepository(database);
 * await chats.createChat({ id: "c1", userId: "u1", title: "New chat", model: "demo", createdAt });
 */
export class SqliteChatRepository implements ChatRepository {
  private readonly statements: ChatStatements;
  private readonly transactions: ReturnType<typeof prepareChatTransactions>;

  constructor(
    database: Database,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.statements = prepareChatStatements(database);
    this.transactions = prepareChatTransactions(database, this.statements, cipher);
  }

  async createChat(chat: NewChat): Promise<Chat> {
    const createdAt = toSortableTimestamp(chat.createdAt);
    this.statements.insertChat.run({
      chatId: chat.id,
      userId: chat.userId,
      title: this.cipher.seal("chat.title", chat.title),
      titleTokens: toTokenColumn(this.cipher, chat.title, chat.userId),
      model: chat.model,
      systemPrompt: chat.systemPrompt ? this.cipher.seal("chat.systemPrompt", chat.systemPrompt) : null,
      temperature: chat.temperature ?? null,
      projectId: chat.projectId ?? null,
      createdAt,
    });
    // A retried create of the same chat returns it; an id that another user's chat holds is refused.
    const row = this.statements.chatById.get({ chatId: chat.id, userId: chat.userId });
    if (!row) throw new AppError("VALIDATION_FAILED", "This chat id is already in use");
    return toChat(row, this.cipher);
  }

  async getChat(chatId: string, userId: string): Promise<Chat | null> {
    const row = this.statements.chatById.get({ chatId, userId });
    return row ? toChat(row, this.cipher) : null;
  }

  async findChatOwner(chatId: string): Promise<string | null> {
    return this.statements.chatOwner.get({ chatId })?.user_id ?? null;
  }

  async markChat(chatId: string, userId: string, marks: ChatMarks): Promise<Chat | null> {
    const row = this.statements.markChat.get({
      chatId,
      userId,
      needsHelp: marks.needsHelp === undefined ? null : Number(marks.needsHelp),
      assisted: marks.assisted ? 1 : null,
      keepHeldBy: marks.heldBy === undefined ? 1 : 0,
      heldBy: marks.heldBy ? JSON.stringify(marks.heldBy) : null,
    });
    return row ? toChat(row, this.cipher) : null;
  }

  async listExpiredHolds(before: string, limit: number): Promise<Array<{ chatId: string; userId: string }>> {
    checkLimit(limit, 1);
    return this.statements.expiredHolds
      .all({ before, limit })
      .map((row) => ({ chatId: row.id, userId: row.user_id }));
  }

  async listInactiveChats(before: string, limit: number): Promise<Array<{ chatId: string; userId: string }>> {
    checkLimit(limit, 1);
    return this.statements.inactiveChats
      .all({ before: toSortableTimestamp(before), limit })
      .map((row) => ({ chatId: row.id, userId: row.user_id }));
  }

  async listChats(userId: string, page: PageRequest, filter: ChatListFilter = {}): Promise<Page<Chat>> {
    checkLimit(page.limit, 1);
    const after = page.cursor === undefined ? undefined : decodeChatListCursor(page.cursor);
    const rows = this.statements.listChats.all({
      userId,
      projectId: filter.projectId ?? null,
      archived: filter.archived === undefined ? null : Number(filter.archived),
      afterPinned: after ? Number(after.pinned) : 2,
      afterAt: after?.at ?? "",
      afterId: after?.id ?? "",
      limit: page.limit + 1,
    });
    return toChatListPage(
      rows.map((row) => toChat(row, this.cipher)),
      page.limit,
    );
  }

  async searchChats(userId: string, query: string, page: PageRequest): Promise<Page<ChatSearchHit>> {
    checkLimit(page.limit, 1);
    const matcher = searchMatcher(query, this.cipher.enabled);
    const rows = this.searchRows(userId, query, page);
    const hits = toPage(
      rows.map((row) => toChatSearchHit(row, matcher.needle, this.cipher)),
      page.limit,
      (hit) => chatSortKey(hit.chat),
    );
    return hitsOnActivePath(hits, matcher, async (chatId) => {
      const tree = this.tree(chatId, userId);
      return this.messagesOf(chatId, tree, this.activePath(chatId, userId, tree));
    });
  }

  /** The rows of a search page: by the text itself with encryption off, else by the blind index. */
  private searchRows(userId: string, query: string, page: PageRequest): ChatSearchRow[] {
    const limit = page.limit + 1;
    const after = page.cursor === undefined ? undefined : afterBindings(page.cursor);
    if (!this.cipher.enabled) {
      const bindings = { userId, pattern: toLikePattern(query), limit };
      return after
        ? this.statements.chatSearchHitsAfter.all({ ...bindings, ...after })
        : this.statements.firstChatSearchHits.all(bindings);
    }
    const words = this.cipher.queryTokens(query, userId);
    if (words.length === 0) return [];
    const bindings = { userId, words: JSON.stringify(words), limit };
    return after
      ? this.statements.chatTokenHitsAfter.all({ ...bindings, ...after })
      : this.statements.firstChatTokenHits.all(bindings);
  }

  async updateChat(
    chatId: string,
    userId: string,
    changes: ChatChanges,
    onlyIfTitle?: string,
  ): Promise<{ chat: Chat; updated: boolean } | null> {
    // An encrypted title never equals its text: the condition compares the decrypted title here,
    // and the update then asks for the very stored value that was read.
    let storedTitle: string | null = null;
    if (onlyIfTitle !== undefined) {
      const current = this.statements.chatById.get({ chatId, userId });
      if (!current) return null;
      const chat = toChat(current, this.cipher);
      if (chat.title !== onlyIfTitle) return { chat, updated: false };
      storedTitle = current.title;
    }
    const updatedRow = this.statements.updateChat.get({
      chatId,
      userId,
      title: changes.title === undefined ? null : this.cipher.seal("chat.title", changes.title),
      titleTokens: changes.title === undefined ? null : toTokenColumn(this.cipher, changes.title, userId),
      model: changes.model ?? null,
      systemPrompt: changes.systemPrompt
        ? this.cipher.seal("chat.systemPrompt", changes.systemPrompt)
        : (changes.systemPrompt ?? null),
      setTemperature: changes.temperature === undefined ? 0 : 1,
      temperature: changes.temperature ?? null,
      keepProject: changes.projectId === undefined ? 1 : 0,
      projectId: changes.projectId ?? null,
      pinned: changes.pinned === undefined ? null : Number(changes.pinned),
      archived: changes.archived === undefined ? null : Number(changes.archived),
      onlyIfTitle: storedTitle,
    });
    if (updatedRow) return { chat: toChat(updatedRow, this.cipher), updated: true };
    // Nothing matched: either the chat is gone, or its title changed since it was read.
    const row = this.statements.chatById.get({ chatId, userId });
    return row ? { chat: toChat(row, this.cipher), updated: false } : null;
  }

  async deleteChat(chatId: string, userId: string): Promise<boolean> {
    return this.transactions.deleteChat.immediate(chatId, userId);
  }

  async appendMessage(
    userId: string,
    message: Message,
    options: { activeLeafVersion?: number } = {},
  ): Promise<boolean> {
    return this.transactions.appendMessage.immediate(userId, message, options.activeLeafVersion);
  }

  async setActiveLeaf(chatId: string, userId: string, leafId: string, version: number): Promise<boolean> {
    return this.statements.setLeafIfNewer.run({ chatId, userId, leafId, version }).changes > 0;
  }

  async activeLeaf(chatId: string, userId: string): Promise<ActiveLeaf | null> {
    const leaf = this.statements.activeLeaf.get({ chatId, userId });
    if (!leaf) return null;
    return {
      id: this.tree(chatId, userId).activePath(leaf.active_leaf_id).at(-1) ?? null,
      version: leaf.active_leaf_version,
    };
  }

  async getMessage(chatId: string, userId: string, messageId: string): Promise<Message | null> {
    const tree = this.tree(chatId, userId);
    if (!tree.has(messageId)) return null;
    return this.messagesOf(chatId, tree, [messageId], true)[0] ?? null;
  }

  async findBranchLeaf(chatId: string, userId: string, messageId: string): Promise<string | null> {
    const tree = this.tree(chatId, userId);
    return tree.has(messageId) ? tree.branchLeaf(messageId) : null;
  }

  async deleteMessage(userId: string, chatId: string, messageId: string): Promise<boolean> {
    return this.transactions.deleteMessage.immediate(userId, chatId, messageId);
  }

  async saveAnswerDraft(draft: AnswerDraft): Promise<boolean> {
    const saved = this.statements.saveAnswerDraft.run({
      messageId: draft.messageId,
      chatId: draft.chatId,
      userId: draft.userId,
      content: this.cipher.seal("answerDraft.content", draft.content),
      model: draft.model,
      createdAt: draft.createdAt,
      updatedAt: draft.updatedAt,
    });
    return saved.changes > 0;
  }

  async listAnswerDrafts(limit: number): Promise<AnswerDraft[]> {
    checkLimit(limit, 1);
    return this.statements.answerDrafts.all({ limit }).map((row) => ({
      messageId: row.message_id,
      chatId: row.chat_id,
      userId: row.user_id,
      content: this.cipher.open("answerDraft.content", row.content),
      model: row.model,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  async listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>> {
    checkLimit(page.limit, 1);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const tree = this.tree(chatId, userId);
    const { items, nextCursor } = tree.pageOf(this.activePath(chatId, userId, tree), after, page.limit);
    return { items: this.messagesOf(chatId, tree, items), nextCursor };
  }

  async exportChat(
    chatId: string,
    userId: string,
  ): Promise<{ chat: Chat; messages: Message[]; activeLeafId: string | null } | null> {
    const chat = await this.getChat(chatId, userId);
    if (!chat) return null;
    const tree = this.tree(chatId, userId);
    const activeLeafId = this.activePath(chatId, userId, tree).at(-1) ?? null;
    return { chat, messages: this.messagesOf(chatId, tree, tree.inOrder(), true), activeLeafId };
  }

  async recentMessages(
    chatId: string,
    userId: string,
    limit: number,
    pathTo?: string,
  ): Promise<{ messages: Message[]; hasOlder: boolean }> {
    checkLimit(limit, 0);
    const tree = this.tree(chatId, userId);
    const path = pathTo === undefined ? this.activePath(chatId, userId, tree) : tree.pathTo(pathTo);
    const shown = limit === 0 ? [] : path.slice(-limit);
    return { messages: this.messagesOf(chatId, tree, shown), hasOlder: path.length > shown.length };
  }

  private tree(chatId: string, userId: string): MessageTree {
    return new MessageTree(this.statements.treeNodes.all({ chatId, userId }).map(toTreeNode));
  }

  private activePath(chatId: string, userId: string, tree: MessageTree): string[] {
    return tree.activePath(this.statements.activeLeaf.get({ chatId, userId })?.active_leaf_id ?? null);
  }

  /** The messages of `ids`, in that order, each with its place in the tree. */
  private messagesOf(
    chatId: string,
    tree: MessageTree,
    ids: readonly string[],
    resolveParent = false,
  ): Message[] {
    if (ids.length === 0) return [];
    const rows = this.statements.messagesByIds.all({ chatId, ids: JSON.stringify(ids) });
    const byId = new Map(rows.map((row) => [row.id, toMessage(row, this.cipher)]));
    return ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [tree.withPlace(message, resolveParent)] : [];
    });
  }
}
