import { type AnswerDraft, AppError, type Chat, type ChatSearchHit, type Message } from "@chat/contracts";
import type { Collection, Db, Filter } from "mongodb";
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
import { isDuplicateKey } from "./is-duplicate-key.ts";
import {
  type AnswerDraftDocument,
  activityBefore,
  type ChatDocument,
  type ChatSearchDocument,
  chatOrder,
  chatSearchPipeline,
  chatsOfUserIn,
  type DeletedMessageDocument,
  type MessageDocument,
  searchConditions,
  toChat,
  toChatDocument,
  toChatSearchHit,
  toChatUpdate,
  toMessage,
  toMessageDocument,
} from "./mongo-chat-documents.ts";

/**
 * The chats of the MongoDB store: chats, messages, search, tombstones and answer drafts. Without
 * transactions, every write is one document write, ordered so that a crash between two of them is
 * repaired by the retry that follows. Titles, system prompts, message text and drafts go through
 * `cipher` (stored encrypted when it has keys).
 *
 * @example
 * const chats = new MongoChatRepository(database);
 */
export class MongoChatRepository implements ChatRepository {
  private readonly chats: Collection<ChatDocument>;
  private readonly messages: Collection<MessageDocument>;
  private readonly deletedMessages: Collection<DeletedMessageDocument>;
  private readonly answerDrafts: Collection<AnswerDraftDocument>;

  constructor(
    database: Db,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.chats = database.collection<ChatDocument>("chats");
    this.messages = database.collection<MessageDocument>("messages");
    this.deletedMessages = database.collection<DeletedMessageDocument>("deletedMessages");
    this.answerDrafts = database.collection<AnswerDraftDocument>("answerDrafts");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await Promise.all([
      this.chats.createIndexes([
        { key: { userId: 1, lastActivityAt: -1, _id: -1 }, name: "by_owner_activity" },
        { key: { projectId: 1, lastActivityAt: -1, _id: -1 }, name: "by_project_activity", sparse: true },
      ]),
      this.messages.createIndexes([{ key: { chatId: 1, createdAt: 1, _id: 1 }, name: "by_chat_time" }]),
      this.deletedMessages.createIndexes([{ key: { chatId: 1 }, name: "by_chat" }]),
      this.answerDrafts.createIndexes([
        { key: { chatId: 1 }, name: "by_chat" },
        { key: { updatedAt: 1, _id: 1 }, name: "by_update" },
      ]),
    ]);
  }

  async createChat(chat: NewChat): Promise<Chat> {
    const document = toChatDocument(chat, this.cipher);
    try {
      await this.chats.insertOne(document);
      return { ...toChat(document, this.cipher), messageCount: 0 };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // A retried create of the same chat returns it; an id that another user's chat holds is refused.
    const existing = await this.chats.findOne({ _id: chat.id, userId: chat.userId });
    if (!existing) throw new AppError("VALIDATION_FAILED", "This chat id is already in use");
    return this.withCount(existing);
  }

  async getChat(chatId: string, userId: string): Promise<Chat | null> {
    const document = await this.chats.findOne({ _id: chatId, userId });
    return document ? this.withCount(document) : null;
  }

  async findChatOwner(chatId: string): Promise<string | null> {
    return (await this.chats.findOne({ _id: chatId }))?.userId ?? null;
  }

  async markChat(chatId: string, userId: string, marks: ChatMarks): Promise<Chat | null> {
    const set: Partial<Pick<ChatDocument, "needsHelp" | "assisted" | "heldBy">> = {};
    if (marks.needsHelp !== undefined) set.needsHelp = marks.needsHelp;
    if (marks.assisted) set.assisted = true;
    if (marks.heldBy !== undefined) set.heldBy = marks.heldBy;
    const document =
      Object.keys(set).length === 0
        ? await this.chats.findOne({ _id: chatId, userId })
        : await this.chats.findOneAndUpdate(
            { _id: chatId, userId },
            { $set: set },
            { returnDocument: "after" },
          );
    return document ? this.withCount(document) : null;
  }

  async listExpiredHolds(before: string, limit: number): Promise<Array<{ chatId: string; userId: string }>> {
    checkLimit(limit, 1);
    const documents = await this.chats
      .find({ "heldBy.expiresAt": { $lt: before } })
      .sort({ "heldBy.expiresAt": 1 })
      .limit(limit)
      .toArray();
    return documents.map((document) => ({ chatId: document._id, userId: document.userId }));
  }

  async listInactiveChats(before: string, limit: number): Promise<Array<{ chatId: string; userId: string }>> {
    checkLimit(limit, 1);
    const documents = await this.chats
      .find({ lastActivityAt: { $lt: new Date(toSortableTimestamp(before)) } }, { projection: { userId: 1 } })
      .sort({ lastActivityAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map((document) => ({ chatId: document._id, userId: document.userId }));
  }

  async listChats(userId: string, page: PageRequest, filter: ChatListFilter = {}): Promise<Page<Chat>> {
    checkLimit(page.limit, 1);
    const after = page.cursor === undefined ? undefined : decodeChatListCursor(page.cursor);
    const listed = chatsOfUserIn(userId, filter);
    const wanted = page.limit + 1;
    // Pinned chats, then the others: two reads, since chats from before pins have no `pinned` to sort by.
    const documents =
      after && !after.pinned
        ? []
        : await this.chats
            .find({ ...listed, pinned: true, ...(after && activityBefore(after)) })
            .sort(chatOrder)
            .limit(wanted)
            .toArray();
    if (documents.length < wanted) {
      const unpinned = await this.chats
        .find({ ...listed, pinned: { $ne: true }, ...(after && !after.pinned && activityBefore(after)) })
        .sort(chatOrder)
        .limit(wanted - documents.length)
        .toArray();
      documents.push(...unpinned);
    }
    const chats = await Promise.all(documents.map((document) => this.withCount(document)));
    return toChatListPage(chats, page.limit);
  }

  /** The chat with its message count, counted on the messages' chat index (no counter to drift). */
  private async withCount(document: ChatDocument): Promise<Chat> {
    const messageCount = await this.messages.countDocuments({ chatId: document._id });
    return { ...toChat(document, this.cipher), messageCount };
  }

  async searchChats(userId: string, query: string, page: PageRequest): Promise<Page<ChatSearchHit>> {
    checkLimit(page.limit, 1);
    const matcher = searchMatcher(query, this.cipher.enabled);
    const words = this.cipher.enabled ? this.cipher.queryTokens(query, userId) : null;
    const pipeline = chatSearchPipeline(
      userId,
      searchConditions(query, words),
      page,
      this.messages.collectionName,
    );
    if (words?.length === 0) return { items: [], nextCursor: null };
    const documents = await this.chats.aggregate<ChatSearchDocument>(pipeline).toArray();
    const hits = await Promise.all(
      documents.map(async (document) => {
        const hit = toChatSearchHit(document, matcher.needle, this.cipher);
        return { ...hit, chat: await this.withCount(document) };
      }),
    );
    return hitsOnActivePath(
      toPage(hits, page.limit, (hit) => chatSortKey(hit.chat)),
      matcher,
      async (chatId) => {
        return (await this.recentMessages(chatId, userId, Number.MAX_SAFE_INTEGER)).messages;
      },
    );
  }

  async updateChat(
    chatId: string,
    userId: string,
    changes: ChatChanges,
    onlyIfTitle?: string,
  ): Promise<{ chat: Chat; updated: boolean } | null> {
    // An encrypted title never equals its text: the title is compared decrypted here, and the filter
    // of the one update then asks for the very stored value that was read, so no other write can
    // come between the check and the change.
    const filter: Filter<ChatDocument> = { _id: chatId, userId };
    if (onlyIfTitle !== undefined) {
      const current = await this.chats.findOne(filter);
      if (!current) return null;
      if (this.cipher.open("chat.title", current.title) !== onlyIfTitle)
        return { chat: await this.withCount(current), updated: false };
      filter.title = current.title;
    }
    const update = toChatUpdate(changes, userId, this.cipher);
    const document = update
      ? await this.chats.findOneAndUpdate(filter, update, { returnDocument: "after" })
      : await this.chats.findOne(filter);
    if (document) return { chat: await this.withCount(document), updated: true };
    // Nothing matched: either the chat is not this user's, or its title is no longer `onlyIfTitle`.
    const current = await this.chats.findOne({ _id: chatId, userId });
    return current ? { chat: await this.withCount(current), updated: false } : null;
  }

  async deleteChat(chatId: string, userId: string): Promise<boolean> {
    // The chat goes first: once it is gone no read reaches its messages, so a crash before they are
    // deleted hides them at once, and a later delete of the same id sweeps them (and their tombstones) up.
    const { deletedCount } = await this.chats.deleteOne({ _id: chatId, userId });
    if (deletedCount === 0 && (await this.chats.countDocuments({ _id: chatId }, { limit: 1 })) > 0)
      return false;
    await this.messages.deleteMany({ chatId });
    await this.answerDrafts.deleteMany({ chatId });
    await this.deletedMessages.deleteMany({ chatId });
    return deletedCount > 0;
  }

  async appendMessage(
    userId: string,
    message: Message,
    options: { activeLeafVersion?: number } = {},
  ): Promise<boolean> {
    if (!(await this.ownsChat(message.chatId, userId))) return false;
    if (await this.takeBackIfDeleted(message.id)) return false;
    const document = toMessageDocument(message, userId, this.cipher);
    const { activeLeafVersion } = options;
    try {
      await this.messages.insertOne(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.answerDrafts.deleteOne({ _id: message.id });
      await this.repairChatActivity(message.id, userId);
      // An earlier attempt may have stopped before moving the leaf; the version keeps a newer one.
      if (message.parentId !== undefined && activeLeafVersion !== undefined)
        await this.setActiveLeaf(message.chatId, userId, message.id, activeLeafVersion);
      return false;
    }
    await this.answerDrafts.deleteOne({ _id: message.id });
    // No transaction spans the two collections: a deletion may write its tombstone after the check
    // above and find nothing to delete before this insert. Each side writes before it reads the
    // other's write, so one of them sees it: the tombstone is there by now and the message goes back
    // out here, or it comes later, and so does the deletion's delete, which finds the message.
    if (await this.takeBackIfDeleted(message.id)) return false;
    const moved = await this.chats.updateOne(
      { _id: message.chatId, userId },
      { $max: { lastActivityAt: document.createdAt } },
    );
    if (moved.matchedCount === 0) {
      // The chat was deleted between the ownership check and the insert: take the message back out.
      await this.messages.deleteOne({ _id: document._id });
      return false;
    }
    if (message.parentId !== undefined && activeLeafVersion !== undefined)
      await this.setActiveLeaf(message.chatId, userId, message.id, activeLeafVersion);
    else if (message.parentId === undefined) await this.extendActivePath(message.chatId, userId, message.id);
    return true;
  }

  /** A message with no recorded parent ends the active path when the message before it in time did. */
  private async extendActivePath(chatId: string, userId: string, messageId: string): Promise<void> {
    const leaf = (await this.chats.findOne({ _id: chatId, userId }))?.activeLeafId;
    if (!leaf || (await this.tree(chatId)).parentOf(messageId) !== leaf) return;
    await this.chats.updateOne(
      { _id: chatId, userId, activeLeafId: leaf },
      { $set: { activeLeafId: messageId } },
    );
  }

  async setActiveLeaf(chatId: string, userId: string, leafId: string, version: number): Promise<boolean> {
    if ((await this.messages.countDocuments({ _id: leafId, chatId }, { limit: 1 })) === 0) return false;
    const { modifiedCount } = await this.chats.updateOne(
      {
        _id: chatId,
        userId,
        $or: [{ activeLeafVersion: { $lt: version } }, { activeLeafVersion: { $exists: false } }],
      },
      { $set: { activeLeafId: leafId, activeLeafVersion: version } },
    );
    return modifiedCount > 0;
  }

  async activeLeaf(chatId: string, userId: string): Promise<ActiveLeaf | null> {
    const chat = await this.chats.findOne({ _id: chatId, userId });
    if (!chat) return null;
    const tree = await this.tree(chatId);
    return {
      id: tree.activePath(chat.activeLeafId ?? null).at(-1) ?? null,
      version: chat.activeLeafVersion ?? 0,
    };
  }

  async getMessage(chatId: string, userId: string, messageId: string): Promise<Message | null> {
    if (!(await this.ownsChat(chatId, userId))) return null;
    const tree = await this.tree(chatId);
    if (!tree.has(messageId)) return null;
    return (await this.messagesOf(chatId, tree, [messageId], true))[0] ?? null;
  }

  async findBranchLeaf(chatId: string, userId: string, messageId: string): Promise<string | null> {
    if (!(await this.ownsChat(chatId, userId))) return null;
    const tree = await this.tree(chatId);
    return tree.has(messageId) ? tree.branchLeaf(messageId) : null;
  }

  async deleteMessage(userId: string, chatId: string, messageId: string): Promise<boolean> {
    const chat = await this.chats.findOne({ _id: chatId, userId });
    if (!chat) return false;
    const tree = await this.tree(chatId);
    const removed = tree.has(messageId) ? tree.subtree(messageId) : [messageId];
    let deleted = 0;
    for (const id of removed) {
      // The tombstone goes before the delete, so that no append slips in between them unseen (see appendMessage).
      try {
        await this.deletedMessages.insertOne({ _id: id, chatId });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      deleted += (await this.messages.deleteOne({ _id: id, chatId })).deletedCount;
      await this.answerDrafts.deleteOne({ _id: id, chatId });
    }
    if (chat.activeLeafId && removed.includes(chat.activeLeafId)) {
      await this.chats.updateOne(
        { _id: chatId, userId, activeLeafId: chat.activeLeafId },
        { $set: { activeLeafId: tree.parentOf(messageId) ?? null } },
      );
    }
    // A deleteChat may have swept the chat's tombstones between the ownership check and this one's
    // inserts; without its chat, the tombstones are taken back out.
    if (!(await this.ownsChat(chatId, userId)))
      await this.deletedMessages.deleteMany({ _id: { $in: removed }, chatId });
    return deleted > 0 && tree.has(messageId);
  }

  async saveAnswerDraft(draft: AnswerDraft): Promise<boolean> {
    if (!(await this.ownsChat(draft.chatId, draft.userId))) return false;
    const { messageId, ...fields } = draft;
    const content = this.cipher.seal("answerDraft.content", draft.content);
    await this.answerDrafts.updateOne({ _id: messageId }, { $set: { ...fields, content } }, { upsert: true });
    // Written before the answer's existence is read, as appendMessage deletes the draft after its
    // insert: a checkpoint that lands after the answer's write sees the answer here and goes.
    const written =
      (await this.messages.countDocuments({ _id: messageId }, { limit: 1 })) > 0 ||
      (await this.deletedMessages.countDocuments({ _id: messageId }, { limit: 1 })) > 0 ||
      !(await this.ownsChat(draft.chatId, draft.userId));
    if (written) await this.answerDrafts.deleteOne({ _id: messageId });
    return !written;
  }

  async listAnswerDrafts(limit: number): Promise<AnswerDraft[]> {
    checkLimit(limit, 1);
    const documents = await this.answerDrafts.find({}).sort({ updatedAt: 1, _id: 1 }).limit(limit).toArray();
    return documents.map(({ _id, ...fields }) => ({
      messageId: _id,
      ...fields,
      content: this.cipher.open("answerDraft.content", fields.content),
    }));
  }

  async listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>> {
    checkLimit(page.limit, 1);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const chat = await this.chats.findOne({ _id: chatId, userId });
    if (!chat) return { items: [], nextCursor: null };
    const tree = await this.tree(chatId);
    const { items, nextCursor } = tree.pageOf(tree.activePath(chat.activeLeafId ?? null), after, page.limit);
    return { items: await this.messagesOf(chatId, tree, items), nextCursor };
  }

  async exportChat(
    chatId: string,
    userId: string,
  ): Promise<{ chat: Chat; messages: Message[]; activeLeafId: string | null } | null> {
    const document = await this.chats.findOne({ _id: chatId, userId });
    if (!document) return null;
    const tree = await this.tree(chatId);
    const activeLeafId = tree.activePath(document.activeLeafId ?? null).at(-1) ?? null;
    const messages = await this.messagesOf(chatId, tree, tree.inOrder(), true);
    return {
      chat: { ...toChat(document, this.cipher), messageCount: messages.length },
      messages,
      activeLeafId,
    };
  }

  async recentMessages(
    chatId: string,
    userId: string,
    limit: number,
    pathTo?: string,
  ): Promise<{ messages: Message[]; hasOlder: boolean }> {
    checkLimit(limit, 0);
    const chat = await this.chats.findOne({ _id: chatId, userId });
    if (!chat) return { messages: [], hasOlder: false };
    const tree = await this.tree(chatId);
    const path = pathTo === undefined ? tree.activePath(chat.activeLeafId ?? null) : tree.pathTo(pathTo);
    const shown = limit === 0 ? [] : path.slice(-limit);
    return { messages: await this.messagesOf(chatId, tree, shown), hasOlder: path.length > shown.length };
  }

  /** The chat's messages as a tree, read without their text. */
  private async tree(chatId: string): Promise<MessageTree> {
    const nodes = await this.messages
      .find({ chatId }, { projection: { _id: 1, parentId: 1, createdAt: 1 } })
      .toArray();
    return new MessageTree(
      nodes.map((node) => ({
        id: node._id,
        parentId: node.parentId,
        createdAt: node.createdAt.toISOString(),
      })),
    );
  }

  /** The messages of `ids`, in that order, each with its place in the tree. */
  private async messagesOf(
    chatId: string,
    tree: MessageTree,
    ids: readonly string[],
    resolveParent = false,
  ): Promise<Message[]> {
    if (ids.length === 0) return [];
    const documents = await this.messages.find({ chatId, _id: { $in: [...ids] } }).toArray();
    const byId = new Map(documents.map((document) => [document._id, toMessage(document, this.cipher)]));
    return ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [tree.withPlace(message, resolveParent)] : [];
    });
  }

  private async ownsChat(chatId: string, userId: string): Promise<boolean> {
    return (await this.chats.countDocuments({ _id: chatId, userId }, { limit: 1 })) > 0;
  }

  /**
   * Whether the message id has a tombstone; when it has, also removes the message from the
   * tombstone's chat: a copy that an append stored while the deletion ran, or before it stopped.
   */
  private async takeBackIfDeleted(messageId: string): Promise<boolean> {
    const tombstone = await this.deletedMessages.findOne({ _id: messageId });
    if (!tombstone) return false;
    await this.messages.deleteOne({ _id: messageId, chatId: tombstone.chatId });
    return true;
  }

  /**
   * The message was stored by an earlier attempt, which may have stopped before moving its chat's
   * activity; redoing that `$max` with the stored time changes nothing when it did not stop.
   */
  private async repairChatActivity(messageId: string, userId: string): Promise<void> {
    const stored = await this.messages.findOne(
      { _id: messageId },
      { projection: { chatId: 1, createdAt: 1 } },
    );
    if (!stored) return;
    await this.chats.updateOne(
      { _id: stored.chatId, userId },
      { $max: { lastActivityAt: stored.createdAt } },
    );
  }
}
