import type { AnswerDraft, Chat, ChatHold, ChatSearchHit, Message } from "@chat/contracts";

export type Page<T> = { items: T[]; nextCursor: string | null };
export type PageRequest = { cursor?: string; limit: number };

/** A chat to create; an empty `systemPrompt` is the same as none, an absent `temperature` the model's default. */
export type NewChat = {
  id: string;
  userId: string;
  title: string;
  model: string;
  systemPrompt?: string;
  temperature?: number;
  projectId?: string;
  createdAt: string;
};

/**
 * The settings of a chat that `updateChat` changes; an absent field keeps its value, `systemPrompt: ""`
 * clears it, `temperature: null` restores the model's default and `projectId: null` takes the chat
 * out of its project.
 */
export type ChatChanges = {
  title?: string;
  model?: string;
  systemPrompt?: string;
  temperature?: number | null;
  projectId?: string | null;
  pinned?: boolean;
  archived?: boolean;
};

/** Which of the user's chats `listChats` lists; an absent field does not filter. */
export type ChatListFilter = { projectId?: string; archived?: boolean };

/** Where a chat's active path ends, and the version of the change that put it there. */
export type ActiveLeaf = { id: string | null; version: number };

/** The help and takeover marks of a chat; an absent field keeps its value. */
export type ChatMarks = { needsHelp?: boolean; assisted?: true; heldBy?: ChatHold | null };

/**
 * The port of the chats aggregate: chats and their messages, search, the tombstones of deleted
 * messages and the drafts of answers being written. Every read or write names the owner, and a chat
 * of another user behaves exactly like one that does not exist.
 *
 * A chat's messages form a tree (`MessageTree`): each follows its `parentId`, and one without a
 * recorded parent follows the message before it in time, so a chat written without parents is one
 * path. The chat records its active leaf with a version: every read of messages is the active path
 * (the one ending at the leaf, or at the newest message when none is recorded), each message with
 * its recorded `parentId` and, when it has versions, their `siblingIds`.
 * Adapters: `SqliteChatRepository` and `MongoChatRepository`.
 */
export interface ChatRepository {
  /**
   * Creates the chat; creating the same id again for the same user returns the stored chat, and an id
   * that another user's chat holds throws VALIDATION_FAILED.
   */
  createChat(chat: NewChat): Promise<Chat>;
  getChat(chatId: string, userId: string): Promise<Chat | null>;
  /** The owner of a chat, for staff reads (the caller checked the role); null when there is none. */
  findChatOwner(chatId: string): Promise<string | null>;
  /**
   * Sets the chat's help and takeover marks without moving its lastActivityAt; `assisted`, once
   * set, stays. Null when there is no such chat of this user.
   */
  markChat(chatId: string, userId: string, marks: ChatMarks): Promise<Chat | null>;
  /** Up to `limit` chats whose recorded hold expired before `before`, oldest expiry first. */
  listExpiredHolds(before: string, limit: number): Promise<Array<{ chatId: string; userId: string }>>;
  /**
   * Up to `limit` chats, of any user, whose last activity is before `before`, the longest idle first
   * (the chat retention sweep).
   */
  listInactiveChats(before: string, limit: number): Promise<Array<{ chatId: string; userId: string }>>;
  /**
   * The user's chats that pass the filter, pinned ones first, then newest activity first; the
   * cursor is opaque. An invalid cursor throws VALIDATION_FAILED.
   */
  listChats(userId: string, page: PageRequest, filter?: ChatListFilter): Promise<Page<Chat>>;
  /**
   * The user's chats whose title or any message of the active path contains `query`, ignoring case,
   * newest activity first (pinned or not): `match` is the title when it contains the query, else
   * the newest message of the active path that does, with a snippet around the first occurrence. A
   * page may hold fewer chats than its limit (matches on other branches are dropped) and still
   * have a next cursor. Case is ignored for ASCII
   * letters by every adapter (SQLite's LIKE folds no other). With encryption at rest on, "contains"
   * means: holds every word of the query as a whole word (any case; see `searchMatcher`), found
   * through the blind index. An invalid cursor throws VALIDATION_FAILED.
   */
  searchChats(userId: string, query: string, page: PageRequest): Promise<Page<ChatSearchHit>>;
  /**
   * Changes a chat's settings without moving its lastActivityAt; null when there is no such chat of
   * this user. With `onlyIfTitle`, the changes apply only while the title still is that one (checked
   * and set atomically), else nothing changes and `updated` is false: an automatic title never
   * overwrites one the user chose meanwhile.
   */
  updateChat(
    chatId: string,
    userId: string,
    changes: ChatChanges,
    onlyIfTitle?: string,
  ): Promise<{ chat: Chat; updated: boolean } | null>;
  /**
   * Deletes the chat, all its messages and the tombstones of its deleted ones; false when there was
   * no such chat of this user. Its usage records stay: they are billing history.
   */
  deleteChat(chatId: string, userId: string): Promise<boolean>;

  /**
   * Writes a finished message in one atomic write and moves the chat's lastActivityAt forward.
   * Idempotent by message id: a second write of the same id changes nothing and returns false.
   * Returns false, writing nothing, when the chat does not exist or belongs to another user, and
   * when the id was deleted (see deleteMessage), even if that deletion came first.
   * With `activeLeafVersion` the message becomes the active leaf in the same write, unless the
   * chat's leaf has that version or a higher one already. A message without `parentId` (an answer whose
   * actor lost its memory, an event from before message trees) follows the message before it in
   * time, and ends the active path when that message did.
   */
  appendMessage(userId: string, message: Message, options?: { activeLeafVersion?: number }): Promise<boolean>;
  /**
   * Records where the active path ends: true when it now ends at `leafId`; false, changing nothing,
   * when the chat is not this user's, has no such message, or its leaf has this version or a higher one.
   */
  setActiveLeaf(chatId: string, userId: string, leafId: string, version: number): Promise<boolean>;
  /** The end of the active path and its version; null when the chat is not this user's. */
  activeLeaf(chatId: string, userId: string): Promise<ActiveLeaf | null>;
  /**
   * One message of the chat with its place in the tree, its `parentId` resolved also when none was
   * recorded; null when the chat has no such message.
   */
  getMessage(chatId: string, userId: string, messageId: string): Promise<Message | null>;
  /**
   * The end of the branch through `messageId`, following the newest version at each step; null when
   * the chat has no such message.
   */
  findBranchLeaf(chatId: string, userId: string, messageId: string): Promise<string | null>;
  /**
   * Removes the message and every message after it on any branch (its subtree): true when a stored
   * message was removed, false when there was none, so a repeated deletion is false. Leaves a
   * tombstone of each, so that a later appendMessage of such an id writes nothing and returns false:
   * a deletion may be processed before the write it undoes. Message ids are unique across chats, so
   * the tombstone refuses the id in any chat; it lasts until the chat is deleted. An active path
   * through a removed message ends at the removed message's parent. When the chat is not this
   * user's, nothing happens (no tombstone either) and the result is false. The chat's lastActivityAt stays.
   */
  deleteMessage(userId: string, chatId: string, messageId: string): Promise<boolean>;
  /**
   * Keeps the checkpoint of an answer being written (replacing the earlier one of that message), so
   * that a crash loses no more than the text since. Writes nothing and returns false when the chat is
   * not the draft's user's, or the answer was already written or deleted. Drafts are never read as
   * messages: appendMessage and deleteMessage of that id drop the draft, deleteChat drops the chat's.
   */
  saveAnswerDraft(draft: AnswerDraft): Promise<boolean>;
  /** Up to `limit` drafts of answers never written, least recently checkpointed first. */
  listAnswerDrafts(limit: number): Promise<AnswerDraft[]>;
  /** The active path, oldest first, paging forward. */
  listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>>;
  /**
   * Every message of the chat, on every branch, oldest first, each with its parent (the one it
   * follows by time when none was recorded), and the leaf of the active path: what an export
   * keeps, with the chat itself. Null when the user has no such chat.
   */
  exportChat(
    chatId: string,
    userId: string,
  ): Promise<{ chat: Chat; messages: Message[]; activeLeafId: string | null } | null>;
  /**
   * The newest `limit` messages of the active path (of the path ending at `pathTo`, which is empty
   * when the chat has no such message), oldest first, and whether older ones exist.
   */
  recentMessages(
    chatId: string,
    userId: string,
    limit: number,
    pathTo?: string,
  ): Promise<{ messages: Message[]; hasOlder: boolean }>;
}
