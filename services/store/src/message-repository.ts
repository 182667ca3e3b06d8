import type { Chat, Message, StoredUser } from "@chat/contracts";

export type Page<T> = { items: T[]; nextCursor: string | null };
export type PageRequest = { cursor?: string; limit: number };

export type NewChat = { id: string; userId: string; title: string; model: string; createdAt: string };

/**
 * The MessageRepository port: users, chats and messages. Every chat read or write names the owner,
 * and a chat of another user behaves exactly like one that does not exist.
 * Adapters: SQLite (`SqliteMessageRepository`, embedded default) and MongoDB (`MongoMessageRepository`).
 */
export interface MessageRepository {
  /** Throws AppError EMAIL_TAKEN when the (case-insensitive) email is in use. */
  createUser(user: StoredUser): Promise<void>;
  findUserByEmail(email: string): Promise<StoredUser | null>;
  findUserById(userId: string): Promise<StoredUser | null>;
  countUsers(): Promise<number>;

  createChat(chat: NewChat): Promise<Chat>;
  getChat(chatId: string, userId: string): Promise<Chat | null>;
  /** Newest activity first; the cursor is opaque. An invalid cursor throws VALIDATION_FAILED. */
  listChats(userId: string, page: PageRequest): Promise<Page<Chat>>;
  renameChat(chatId: string, userId: string, title: string): Promise<Chat | null>;
  /** Deletes the chat and all its messages; false when there was no such chat of this user. */
  deleteChat(chatId: string, userId: string): Promise<boolean>;

  /**
   * Writes a finished message in one atomic write and moves the chat's lastActivityAt forward.
   * Idempotent by message id: a second write of the same id changes nothing and returns false.
   * Returns false, writing nothing, when the chat does not exist or belongs to another user.
   */
  appendMessage(userId: string, message: Message): Promise<boolean>;
  /** Oldest first, paging forward. */
  listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>>;
  /** The newest `limit` messages, oldest first, and whether older ones exist. */
  recentMessages(
    chatId: string,
    userId: string,
    limit: number,
  ): Promise<{ messages: Message[]; hasOlder: boolean }>;

  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
