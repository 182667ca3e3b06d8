import { Database, SQLiteError, type Statement } from "bun:sqlite";
import {
  AppError,
  type Chat,
  type CodeBlock,
  type Message,
  type StoredUser,
  type Usage,
} from "@chat/contracts";
import type { MessageRepository, NewChat, Page, PageRequest } from "./message-repository.ts";
import {
  chatSortKey,
  checkLimit,
  decodeCursor,
  messageSortKey,
  toPage,
  toSortableTimestamp,
} from "./page-cursor.ts";

/**
 * Schema migrations, applied in order; `PRAGMA user_version` counts how many a database file has.
 * Append new entries only: an applied migration never changes, so existing data is kept.
 */
const migrations: readonly string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     email_normalized TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE chats (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     title TEXT NOT NULL,
     model TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_activity_at TEXT NOT NULL
   );
   CREATE INDEX chats_by_user_activity ON chats (user_id, last_activity_at DESC, id DESC);
   CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     created_at TEXT NOT NULL,
     code_blocks TEXT,
     finish_reason TEXT,
     model TEXT,
     usage TEXT,
     client_message_id TEXT
   );
   CREATE INDEX messages_by_chat_time ON messages (chat_id, created_at, id);`,
];

type UserRow = {
  id: string;
  email: string;
  name: string;
  role: StoredUser["role"];
  password_hash: string;
  created_at: string;
};

type ChatRow = { id: string; title: string; model: string; created_at: string; last_activity_at: string };

type MessageRow = {
  id: string;
  chat_id: string;
  role: Message["role"];
  content: string;
  created_at: string;
  code_blocks: string | null;
  finish_reason: Message["finishReason"] | null;
  model: string | null;
  usage: string | null;
  client_message_id: string | null;
};

type Bindings = Record<string, string | number | null>;

const userColumns = "id, email, name, role, password_hash, created_at";
const chatColumns = "id, title, model, created_at, last_activity_at";
const messageColumns =
  "id, chat_id, role, content, created_at, code_blocks, finish_reason, model, usage, client_message_id";
const ownedChat = "SELECT 1 FROM chats WHERE id = $chatId AND user_id = $userId";

/**
 * The embedded MessageRepository: one SQLite file (or `":memory:"`) through `bun:sqlite`, in WAL mode
 * so readers never wait for the writer. Several processes may share the file; `busy_timeout` makes a
 * writer wait for the lock instead of failing.
 *
 * @example
 * const repository = new SqliteMessageRepository({ path: "./data/chat.sqlite" });
 * await repository.createChat({ id: "c1", userId: "u1", title: "New chat", model: "demo", createdAt });
 */
export class SqliteMessageRepository implements MessageRepository {
  private readonly database: Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly transactions: ReturnType<typeof prepareTransactions>;

  constructor(options: { path: string }) {
    this.database = new Database(options.path, { create: true, strict: true });
    this.database.run("PRAGMA busy_timeout = 5000");
    this.database.run("PRAGMA journal_mode = WAL");
    this.database.run("PRAGMA foreign_keys = ON");
    this.migrate();
    this.statements = prepareStatements(this.database);
    this.transactions = prepareTransactions(this.database, this.statements);
  }

  /** The schema version of the open database: how many migrations it has. */
  get schemaVersion(): number {
    return this.readSchemaVersion();
  }

  async createUser(user: StoredUser): Promise<void> {
    try {
      this.statements.insertUser.run({
        id: user.id,
        email: user.email,
        emailNormalized: normalizeEmail(user.email),
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
        createdAt: user.createdAt,
      });
    } catch (error) {
      if (error instanceof SQLiteError && error.message.includes("users.email_normalized")) {
        throw new AppError("EMAIL_TAKEN", "This email is already registered", { cause: error });
      }
      throw error;
    }
  }

  async findUserByEmail(email: string): Promise<StoredUser | null> {
    const row = this.statements.userByEmail.get({ emailNormalized: normalizeEmail(email) });
    return row ? toStoredUser(row) : null;
  }

  async findUserById(userId: string): Promise<StoredUser | null> {
    const row = this.statements.userById.get({ userId });
    return row ? toStoredUser(row) : null;
  }

  async countUsers(): Promise<number> {
    return this.statements.countUsers.get()?.count ?? 0;
  }

  async createChat(chat: NewChat): Promise<Chat> {
    const createdAt = toSortableTimestamp(chat.createdAt);
    this.statements.insertChat.run({
      chatId: chat.id,
      userId: chat.userId,
      title: chat.title,
      model: chat.model,
      createdAt,
    });
    // A retried create of the same chat returns it; an id that another user's chat holds is refused.
    const row = this.statements.chatById.get({ chatId: chat.id, userId: chat.userId });
    if (!row) throw new AppError("VALIDATION_FAILED", "This chat id is already in use");
    return toChat(row);
  }

  async getChat(chatId: string, userId: string): Promise<Chat | null> {
    const row = this.statements.chatById.get({ chatId, userId });
    return row ? toChat(row) : null;
  }

  async listChats(userId: string, page: PageRequest): Promise<Page<Chat>> {
    checkLimit(page.limit, 1);
    const rows =
      page.cursor === undefined
        ? this.statements.firstChats.all({ userId, limit: page.limit + 1 })
        : this.statements.chatsAfter.all({ userId, limit: page.limit + 1, ...afterBindings(page.cursor) });
    return toPage(rows.map(toChat), page.limit, chatSortKey);
  }

  async renameChat(chatId: string, userId: string, title: string): Promise<Chat | null> {
    const row = this.statements.renameChat.get({ chatId, userId, title });
    return row ? toChat(row) : null;
  }

  async deleteChat(chatId: string, userId: string): Promise<boolean> {
    return this.transactions.deleteChat.immediate(chatId, userId);
  }

  async appendMessage(userId: string, message: Message): Promise<boolean> {
    return this.transactions.appendMessage.immediate(userId, message);
  }

  async listMessages(chatId: string, userId: string, page: PageRequest): Promise<Page<Message>> {
    checkLimit(page.limit, 1);
    const rows =
      page.cursor === undefined
        ? this.statements.firstMessages.all({ chatId, userId, limit: page.limit + 1 })
        : this.statements.messagesAfter.all({
            chatId,
            userId,
            limit: page.limit + 1,
            ...afterBindings(page.cursor),
          });
    return toPage(rows.map(toMessage), page.limit, messageSortKey);
  }

  async recentMessages(
    chatId: string,
    userId: string,
    limit: number,
  ): Promise<{ messages: Message[]; hasOlder: boolean }> {
    checkLimit(limit, 0);
    const newestFirst = this.statements.newestMessages.all({ chatId, userId, limit: limit + 1 });
    return {
      messages: newestFirst.slice(0, limit).reverse().map(toMessage),
      hasOlder: newestFirst.length > limit,
    };
  }

  async isReady(): Promise<boolean> {
    try {
      this.statements.ping.get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Without `true` the prepared statements would keep the connection, and the file, open.
    this.database.close(true);
  }

  private readSchemaVersion(): number {
    return this.database.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
  }

  private migrate(): void {
    // IMMEDIATE takes the write lock before reading the version, so two processes opening the same
    // file at once cannot both apply a migration.
    this.database
      .transaction(() => {
        for (let version = this.readSchemaVersion(); version < migrations.length; version += 1) {
          this.database.run(migrations[version] ?? "");
          this.database.run(`PRAGMA user_version = ${version + 1}`);
        }
      })
      .immediate();
  }
}

function prepareStatements(database: Database) {
  const prepare = <Row>(sql: string): Statement<Row, [Bindings] | []> =>
    database.prepare<Row, [Bindings] | []>(sql);
  return {
    ping: prepare<{ ok: number }>("SELECT 1 AS ok"),
    insertUser: prepare(
      `INSERT INTO users (id, email, email_normalized, name, role, password_hash, created_at)
       VALUES ($id, $email, $emailNormalized, $name, $role, $passwordHash, $createdAt)`,
    ),
    userByEmail: prepare<UserRow>(
      `SELECT ${userColumns} FROM users WHERE email_normalized = $emailNormalized`,
    ),
    userById: prepare<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $userId`),
    countUsers: prepare<{ count: number }>("SELECT count(*) AS count FROM users"),
    insertChat: prepare(
      `INSERT INTO chats (id, user_id, title, model, created_at, last_activity_at)
       VALUES ($chatId, $userId, $title, $model, $createdAt, $createdAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    chatById: prepare<ChatRow>(`SELECT ${chatColumns} FROM chats WHERE id = $chatId AND user_id = $userId`),
    firstChats: prepare<ChatRow>(
      `SELECT ${chatColumns} FROM chats WHERE user_id = $userId
       ORDER BY last_activity_at DESC, id DESC LIMIT $limit`,
    ),
    chatsAfter: prepare<ChatRow>(
      `SELECT ${chatColumns} FROM chats
       WHERE user_id = $userId AND (last_activity_at, id) < ($afterAt, $afterId)
       ORDER BY last_activity_at DESC, id DESC LIMIT $limit`,
    ),
    renameChat: prepare<ChatRow>(
      `UPDATE chats SET title = $title WHERE id = $chatId AND user_id = $userId RETURNING ${chatColumns}`,
    ),
    deleteMessagesOfChat: prepare(`DELETE FROM messages WHERE chat_id = $chatId AND EXISTS (${ownedChat})`),
    deleteChat: prepare("DELETE FROM chats WHERE id = $chatId AND user_id = $userId"),
    insertMessage: prepare(
      `INSERT INTO messages (${messageColumns})
       SELECT $id, $chatId, $role, $content, $createdAt, $codeBlocks, $finishReason, $model, $usage, $clientMessageId
       WHERE EXISTS (${ownedChat})
       ON CONFLICT (id) DO NOTHING`,
    ),
    moveChatActivity: prepare(
      `UPDATE chats SET last_activity_at = max(last_activity_at, $createdAt)
       WHERE id = $chatId AND user_id = $userId`,
    ),
    firstMessages: prepare<MessageRow>(
      `SELECT ${messageColumns} FROM messages
       WHERE chat_id = $chatId AND EXISTS (${ownedChat})
       ORDER BY created_at, id LIMIT $limit`,
    ),
    messagesAfter: prepare<MessageRow>(
      `SELECT ${messageColumns} FROM messages
       WHERE chat_id = $chatId AND EXISTS (${ownedChat}) AND (created_at, id) > ($afterAt, $afterId)
       ORDER BY created_at, id LIMIT $limit`,
    ),
    newestMessages: prepare<MessageRow>(
      `SELECT ${messageColumns} FROM messages
       WHERE chat_id = $chatId AND EXISTS (${ownedChat})
       ORDER BY created_at DESC, id DESC LIMIT $limit`,
    ),
  };
}

function prepareTransactions(database: Database, statements: ReturnType<typeof prepareStatements>) {
  return {
    deleteChat: database.transaction((chatId: string, userId: string): boolean => {
      statements.deleteMessagesOfChat.run({ chatId, userId });
      return statements.deleteChat.run({ chatId, userId }).changes > 0;
    }),
    appendMessage: database.transaction((userId: string, message: Message): boolean => {
      const createdAt = toSortableTimestamp(message.createdAt);
      const inserted = statements.insertMessage.run({
        id: message.id,
        chatId: message.chatId,
        userId,
        role: message.role,
        content: message.content,
        createdAt,
        codeBlocks: message.codeBlocks === undefined ? null : JSON.stringify(message.codeBlocks),
        finishReason: message.finishReason ?? null,
        model: message.model ?? null,
        usage: message.usage === undefined ? null : JSON.stringify(message.usage),
        clientMessageId: message.clientMessageId ?? null,
      });
      if (inserted.changes === 0) return false;
      statements.moveChatActivity.run({ chatId: message.chatId, userId, createdAt });
      return true;
    }),
  };
}

function normalizeEmail(email: string): string {
  return email.toLowerCase();
}

function afterBindings(cursor: string): { afterAt: string; afterId: string } {
  const key = decodeCursor(cursor);
  return { afterAt: key.at, afterId: key.id };
}

function toStoredUser(row: UserRow): StoredUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

function toChat(row: ChatRow): Chat {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
  };
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    chatId: row.chat_id,
    role: row.role,
    content: row.content,
    createdAt: row.created_at,
    ...(row.code_blocks !== null && { codeBlocks: JSON.parse(row.code_blocks) as CodeBlock[] }),
    ...(row.finish_reason !== null && { finishReason: row.finish_reason }),
    ...(row.model !== null && { model: row.model }),
    ...(row.usage !== null && { usage: JSON.parse(row.usage) as Usage }),
    ...(row.client_message_id !== null && { clientMessageId: row.client_message_id }),
  };
}
