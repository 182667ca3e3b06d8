import type {
  AnswerDraft,
  ApiKey,
  Chat,
  ChatSearchHit,
  ExternalIdentity,
  Message,
  NewExternalUser,
  RefreshRotation,
  RefreshTokenSuccessor,
  StoredApiKey,
  StoredRefreshToken,
  StoredUser,
  UsageRecord,
  UsageReport,
} from "@chat/contracts";

export type Page<T> = { items: T[]; nextCursor: string | null };
export type PageRequest = { cursor?: string; limit: number };

/** A chat to create; an empty `systemPrompt` is the same as none. */
export type NewChat = {
  id: string;
  userId: string;
  title: string;
  model: string;
  systemPrompt?: string;
  createdAt: string;
};

/** The settings of a chat that `updateChat` changes; an absent field keeps its value, `systemPrompt: ""` clears it. */
export type ChatChanges = { title?: string; model?: string; systemPrompt?: string };

/**
 * The MessageRepository port: users, chats and messages, API keys and the usage ledger. Every chat
 * read or write names the owner, and a chat of another user behaves exactly like one that does not
 * exist; the same holds for API keys and usage.
 * Adapters: SQLite (`SqliteMessageRepository`, embedded default) and MongoDB (`MongoMessageRepository`).
 */
export interface MessageRepository {
  /**
   * Stores the user and returns it as stored. With `adminIfFirst`, the role is `admin` when no user
   * exists yet, decided by the write itself: of two first registrations at once, one is admin.
   * Throws AppError EMAIL_TAKEN when the (case-insensitive) email is in use.
   */
  createUser(user: StoredUser, options?: { adminIfFirst?: boolean }): Promise<StoredUser>;
  /**
   * The user of an external identity (issuer, subject): created from `user` on first sight, the
   * stored one afterwards (`user` is then ignored). Concurrent first sights create one user. Such a
   * user has no password, and its email does not count as taken: the identity, not the email, is it.
   */
  findOrCreateExternalUser(identity: ExternalIdentity, user: NewExternalUser): Promise<StoredUser>;
  findUserByEmail(email: string): Promise<StoredUser | null>;
  findUserById(userId: string): Promise<StoredUser | null>;
  countUsers(): Promise<number>;

  /**
   * Creates the chat; creating the same id again for the same user returns the stored chat, and an id
   * that another user's chat holds throws VALIDATION_FAILED.
   */
  createChat(chat: NewChat): Promise<Chat>;
  getChat(chatId: string, userId: string): Promise<Chat | null>;
  /** Newest activity first; the cursor is opaque. An invalid cursor throws VALIDATION_FAILED. */
  listChats(userId: string, page: PageRequest): Promise<Page<Chat>>;
  /**
   * The user's chats whose title or any message contains `query`, ignoring case, in listChats'
   * order and with its cursors: `match` is the title when it contains the query, else the newest
   * message that does, with a snippet around the first occurrence. Case is ignored for ASCII
   * letters by every adapter (SQLite's LIKE folds no other). An invalid cursor throws
   * VALIDATION_FAILED.
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
   */
  appendMessage(userId: string, message: Message): Promise<boolean>;
  /**
   * Removes the message from the chat: true when a stored message was removed, false when there was
   * none, so a repeated deletion is false. Leaves a tombstone, so that a later appendMessage of that
   * id writes nothing and returns false: a deletion may be processed before the write it undoes.
   * Message ids are unique across chats, so the tombstone refuses the id in any chat; it lasts until
   * the chat is deleted. When the chat is not this user's, nothing happens (no tombstone either) and
   * the result is false. The chat's lastActivityAt stays.
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
  /** Oldest first, paging forward. */
  listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>>;
  /** The newest `limit` messages, oldest first, and whether older ones exist. */
  recentMessages(
    chatId: string,
    userId: string,
    limit: number,
  ): Promise<{ messages: Message[]; hasOlder: boolean }>;

  /**
   * Stores a user's API key (by its hash) with no lastUsedAt. Creating the same key again returns the
   * stored one; a key id or hash that is already another key's throws VALIDATION_FAILED.
   */
  createApiKey(userId: string, key: StoredApiKey): Promise<ApiKey>;
  /** The user's keys, newest first; never their hashes. */
  listApiKeys(userId: string): Promise<ApiKey[]>;
  /** False when the user has no key of that id; a deleted key is not found by its hash any more. */
  deleteApiKey(userId: string, keyId: string): Promise<boolean>;
  /**
   * The key with this hash and its owner, or null. Records `usedAt` as the key's lastUsedAt when it
   * is later than the one stored (lookups may arrive out of order).
   */
  findApiKeyByHash(hash: string, usedAt: string): Promise<{ apiKey: ApiKey; user: StoredUser } | null>;

  /** Adds a generation to the usage ledger. Idempotent by record id: a second write returns false. */
  recordUsage(record: UsageRecord): Promise<boolean>;
  /**
   * Sums the user's usage records with `from <= createdAt < to`, in total, per chat (null: the
   * OpenAI-compatible API) and per model and provider, most expensive first.
   */
  usageReport(userId: string, from: string, to: string): Promise<UsageReport>;

  /**
   * Stores the first token of a new refresh-token family (a sign-in). A family id that exists
   * already throws VALIDATION_FAILED.
   */
  startRefreshFamily(token: StoredRefreshToken): Promise<void>;
  /**
   * Uses up the token with this hash and stores `successor` in its family, atomically: of two
   * rotations of the same token, one succeeds and the other finds it `reused`. A token used before
   * revokes its whole family (`reused`); so does nothing else. Expiry is checked against
   * `successor.createdAt`. Expired tokens may be deleted, and then are `unknown`.
   */
  rotateRefreshToken(hash: string, successor: RefreshTokenSuccessor): Promise<RefreshRotation>;
  /** Revokes the family of the token with this hash (sign-out): its id, or null when no token has it. */
  revokeRefreshFamily(hash: string, revokedAt: string): Promise<string | null>;
  /**
   * Revokes the refresh family `familyId` of this user (sign-out with only an access token, whose
   * `sid` names the family); false when the user has no family of that id.
   */
  revokeRefreshFamilyById(familyId: string, userId: string, revokedAt: string): Promise<boolean>;

  /**
   * Puts a sign-in (a refresh family's id) on the list of ended sign-ins until `expiresAt`; revoking it
   * again sets a new expiry. Entries expired by `revokedAt` may be deleted. The embedded mode keeps
   * the list here, so a restart does not bring signed-out access tokens back (with Redis, the list
   * lives in Redis).
   */
  revokeSignIn(signInId: string, revokedAt: string, expiresAt: string): Promise<void>;
  /** Whether the sign-in is on the list at `at`; entries past their expiry may be deleted. */
  isSignInRevoked(signInId: string, at: string): Promise<boolean>;

  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
