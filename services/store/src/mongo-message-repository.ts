import {
  AppError,
  type Chat,
  type CodeBlock,
  type Message,
  type StoredUser,
  type Usage,
} from "@chat/contracts";
import { type Collection, type Db, type Filter, MongoClient, MongoServerError } from "mongodb";
import type { MessageRepository, NewChat, Page, PageRequest } from "./message-repository.ts";
import {
  chatSortKey,
  checkLimit,
  decodeCursor,
  messageSortKey,
  toPage,
  toSortableTimestamp,
} from "./page-cursor.ts";

type UserDocument = {
  _id: string;
  email: string;
  /** The email in lower case: the unique index makes emails unique regardless of case. */
  emailNormalized: string;
  name: string;
  role: StoredUser["role"];
  passwordHash: string;
  createdAt: string;
};

type ChatDocument = {
  _id: string;
  userId: string;
  title: string;
  model: string;
  createdAt: Date;
  lastActivityAt: Date;
};

type MessageDocument = {
  _id: string;
  chatId: string;
  role: Message["role"];
  content: string;
  createdAt: Date;
  codeBlocks?: CodeBlock[];
  finishReason?: Message["finishReason"];
  model?: string;
  usage?: Usage;
  clientMessageId?: string;
};

const duplicateKeyCode = 11000;
const readinessTimeoutMilliseconds = 2_000;

/**
 * The production MessageRepository on MongoDB through the official driver. It works on a single node
 * (no replica set, so no transactions): every write is one document write, ordered so that a crash
 * between two of them is repaired by the retry that follows.
 *
 * @example
 * const repository = new MongoMessageRepository({ url: process.env.MONGODB_URL, databaseName: "chat" });
 * await repository.init();
 */
export class MongoMessageRepository implements MessageRepository {
  private readonly client: MongoClient;
  private readonly database: Db;
  private readonly users: Collection<UserDocument>;
  private readonly chats: Collection<ChatDocument>;
  private readonly messages: Collection<MessageDocument>;

  constructor(options: { url: string; databaseName: string }) {
    this.client = new MongoClient(options.url);
    this.database = this.client.db(options.databaseName);
    this.users = this.database.collection<UserDocument>("users");
    this.chats = this.database.collection<ChatDocument>("chats");
    this.messages = this.database.collection<MessageDocument>("messages");
  }

  /** Connects and creates the indexes (creating an existing index is a no-op). Call once before use. */
  async init(): Promise<void> {
    await this.client.connect();
    await Promise.all([
      this.users.createIndexes([{ key: { emailNormalized: 1 }, name: "email_unique", unique: true }]),
      this.chats.createIndexes([
        { key: { userId: 1, lastActivityAt: -1, _id: -1 }, name: "by_owner_activity" },
      ]),
      this.messages.createIndexes([{ key: { chatId: 1, createdAt: 1, _id: 1 }, name: "by_chat_time" }]),
    ]);
  }

  /** Drops the whole database; for tests that made one of their own. */
  async dropDatabase(): Promise<void> {
    await this.database.dropDatabase();
  }

  async createUser(user: StoredUser): Promise<void> {
    const emailNormalized = normalizeEmail(user.email);
    try {
      await this.users.insertOne({
        _id: user.id,
        email: user.email,
        emailNormalized,
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
        createdAt: user.createdAt,
      });
    } catch (error) {
      if (isDuplicateKey(error) && (await this.users.countDocuments({ emailNormalized }, { limit: 1 })) > 0) {
        throw new AppError("EMAIL_TAKEN", "This email is already registered", { cause: error });
      }
      throw error;
    }
  }

  async findUserByEmail(email: string): Promise<StoredUser | null> {
    const document = await this.users.findOne({ emailNormalized: normalizeEmail(email) });
    return document ? toStoredUser(document) : null;
  }

  async findUserById(userId: string): Promise<StoredUser | null> {
    const document = await this.users.findOne({ _id: userId });
    return document ? toStoredUser(document) : null;
  }

  async countUsers(): Promise<number> {
    return this.users.countDocuments();
  }

  async createChat(chat: NewChat): Promise<Chat> {
    const createdAt = new Date(toSortableTimestamp(chat.createdAt));
    const document: ChatDocument = {
      _id: chat.id,
      userId: chat.userId,
      title: chat.title,
      model: chat.model,
      createdAt,
      lastActivityAt: createdAt,
    };
    try {
      await this.chats.insertOne(document);
      return toChat(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // A retried create of the same chat returns it; an id that another user's chat holds is refused.
    const existing = await this.chats.findOne({ _id: chat.id, userId: chat.userId });
    if (!existing) throw new AppError("VALIDATION_FAILED", "This chat id is already in use");
    return toChat(existing);
  }

  async getChat(chatId: string, userId: string): Promise<Chat | null> {
    const document = await this.chats.findOne({ _id: chatId, userId });
    return document ? toChat(document) : null;
  }

  async listChats(userId: string, page: PageRequest): Promise<Page<Chat>> {
    checkLimit(page.limit, 1);
    const filter: Filter<ChatDocument> = { userId };
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      const at = new Date(after.at);
      filter.$or = [{ lastActivityAt: { $lt: at } }, { lastActivityAt: at, _id: { $lt: after.id } }];
    }
    const documents = await this.chats
      .find(filter)
      .sort({ lastActivityAt: -1, _id: -1 })
      .limit(page.limit + 1)
      .toArray();
    return toPage(documents.map(toChat), page.limit, chatSortKey);
  }

  async renameChat(chatId: string, userId: string, title: string): Promise<Chat | null> {
    const document = await this.chats.findOneAndUpdate(
      { _id: chatId, userId },
      { $set: { title } },
      { returnDocument: "after" },
    );
    return document ? toChat(document) : null;
  }

  async deleteChat(chatId: string, userId: string): Promise<boolean> {
    // The chat goes first: once it is gone no read reaches its messages, so a crash before they are
    // deleted hides them at once, and a later delete of the same id sweeps them up.
    const { deletedCount } = await this.chats.deleteOne({ _id: chatId, userId });
    if (deletedCount === 0 && (await this.chats.countDocuments({ _id: chatId }, { limit: 1 })) > 0)
      return false;
    await this.messages.deleteMany({ chatId });
    return deletedCount > 0;
  }

  async appendMessage(userId: string, message: Message): Promise<boolean> {
    if (!(await this.ownsChat(message.chatId, userId))) return false;
    const document = toMessageDocument(message);
    try {
      await this.messages.insertOne(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.repairChatActivity(message.id, userId);
      return false;
    }
    const moved = await this.chats.updateOne(
      { _id: message.chatId, userId },
      { $max: { lastActivityAt: document.createdAt } },
    );
    if (moved.matchedCount === 0) {
      // The chat was deleted between the ownership check and the insert: take the message back out.
      await this.messages.deleteOne({ _id: document._id });
      return false;
    }
    return true;
  }

  async listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>> {
    checkLimit(page.limit, 1);
    const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
    if (!(await this.ownsChat(chatId, userId))) return { items: [], nextCursor: null };
    const filter: Filter<MessageDocument> = { chatId };
    if (after) {
      const at = new Date(after.at);
      filter.$or = [{ createdAt: { $gt: at } }, { createdAt: at, _id: { $gt: after.id } }];
    }
    const documents = await this.messages
      .find(filter)
      .sort({ createdAt: 1, _id: 1 })
      .limit(page.limit + 1)
      .toArray();
    return toPage(documents.map(toMessage), page.limit, messageSortKey);
  }

  async recentMessages(
    chatId: string,
    userId: string,
    limit: number,
  ): Promise<{ messages: Message[]; hasOlder: boolean }> {
    checkLimit(limit, 0);
    if (!(await this.ownsChat(chatId, userId))) return { messages: [], hasOlder: false };
    const newestFirst = await this.messages
      .find({ chatId })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .toArray();
    return {
      messages: newestFirst.slice(0, limit).reverse().map(toMessage),
      hasOlder: newestFirst.length > limit,
    };
  }

  async isReady(): Promise<boolean> {
    try {
      await this.database.command({ ping: 1 }, { signal: AbortSignal.timeout(readinessTimeoutMilliseconds) });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async ownsChat(chatId: string, userId: string): Promise<boolean> {
    return (await this.chats.countDocuments({ _id: chatId, userId }, { limit: 1 })) > 0;
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

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === duplicateKeyCode;
}

function normalizeEmail(email: string): string {
  return email.toLowerCase();
}

function toStoredUser(document: UserDocument): StoredUser {
  return {
    id: document._id,
    email: document.email,
    name: document.name,
    role: document.role,
    passwordHash: document.passwordHash,
    createdAt: document.createdAt,
  };
}

function toChat(document: ChatDocument): Chat {
  return {
    id: document._id,
    title: document.title,
    model: document.model,
    createdAt: document.createdAt.toISOString(),
    lastActivityAt: document.lastActivityAt.toISOString(),
  };
}

function toMessageDocument(message: Message): MessageDocument {
  return {
    _id: message.id,
    chatId: message.chatId,
    role: message.role,
    content: message.content,
    createdAt: new Date(toSortableTimestamp(message.createdAt)),
    ...(message.codeBlocks !== undefined && { codeBlocks: message.codeBlocks }),
    ...(message.finishReason !== undefined && { finishReason: message.finishReason }),
    ...(message.model !== undefined && { model: message.model }),
    ...(message.usage !== undefined && { usage: message.usage }),
    ...(message.clientMessageId !== undefined && { clientMessageId: message.clientMessageId }),
  };
}

function toMessage(document: MessageDocument): Message {
  return {
    id: document._id,
    chatId: document.chatId,
    role: document.role,
    content: document.content,
    createdAt: document.createdAt.toISOString(),
    ...(document.codeBlocks != null && { codeBlocks: document.codeBlocks }),
    ...(document.finishReason != null && { finishReason: document.finishReason }),
    ...(document.model != null && { model: document.model }),
    ...(document.usage != null && { usage: document.usage }),
    ...(document.clientMessageId != null && { clientMessageId: document.clientMessageId }),
  };
}
