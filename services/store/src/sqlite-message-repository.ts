import { Database, SQLiteError, type Statement } from "bun:sqlite";
import {
  type AnswerDraft,
  type ApiKey,
  AppError,
  type Chat,
  type ChatSearchHit,
  type CodeBlock,
  type ExternalIdentity,
  externalEmailKey,
  type Message,
  type NewExternalUser,
  normalizeEmail,
  type RefreshRotation,
  type RefreshTokenSuccessor,
  type StoredApiKey,
  type StoredRefreshToken,
  type StoredUser,
  type Usage,
  type UsageRecord,
  type UsageReport,
  type UsageTotals,
} from "@chat/contracts";
import type { ChatChanges, MessageRepository, NewChat, Page, PageRequest } from "./message-repository.ts";
import {
  chatSortKey,
  checkLimit,
  decodeCursor,
  messageSortKey,
  toPage,
  toSortableTimestamp,
} from "./page-cursor.ts";
import { searchSnippet } from "./search-snippet.ts";
import { type ChatUsageSums, type ModelUsageSums, toUsageReport } from "./usage-report.ts";

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
  // Chat settings, API keys and the usage ledger. Usage records name their chat without a foreign
  // key: they are billing history and outlive the chat.
  `ALTER TABLE chats ADD COLUMN system_prompt TEXT;
   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     name TEXT NOT NULL,
     prefix TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     created_at TEXT NOT NULL,
     last_used_at TEXT
   );
   CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at DESC, id DESC);
   CREATE TABLE usage_records (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     chat_id TEXT,
     message_id TEXT,
     purpose TEXT NOT NULL,
     model TEXT NOT NULL,
     provider TEXT NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cost_usd REAL NOT NULL,
     time_to_first_token_ms INTEGER,
     duration_ms INTEGER NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX usage_records_by_user_time ON usage_records (user_id, created_at);`,
  // Users of an external identity provider, and refresh-token families. A family is revoked as a
  // whole; its tokens go with it when it expires and is deleted.
  `ALTER TABLE users ADD COLUMN external_issuer TEXT;
   ALTER TABLE users ADD COLUMN external_subject TEXT;
   CREATE UNIQUE INDEX users_by_external_identity ON users (external_issuer, external_subject);
   CREATE TABLE refresh_token_families (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE INDEX refresh_token_families_by_user ON refresh_token_families (user_id, expires_at);
   CREATE TABLE refresh_tokens (
     hash TEXT PRIMARY KEY,
     family_id TEXT NOT NULL REFERENCES refresh_token_families (id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     used_at TEXT
   );
   CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);`,
  // Tombstones of deleted messages: the deletion of an answer may be consumed before the answer's
  // write, which must then write nothing. A chat's tombstones go with the chat.
  `CREATE TABLE deleted_messages (
     id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE
   );
   CREATE INDEX deleted_messages_by_chat ON deleted_messages (chat_id);`,
  // Checkpoints of answers being written; a chat's go with the chat.
  `CREATE TABLE answer_drafts (
     message_id TEXT PRIMARY KEY,
     chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     content TEXT NOT NULL,
     model TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX answer_drafts_by_update ON answer_drafts (updated_at);`,
  // Ended sign-ins, until their access tokens would have expired anyway.
  `CREATE TABLE revoked_sign_ins (
     id TEXT PRIMARY KEY,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX revoked_sign_ins_by_expiry ON revoked_sign_ins (expires_at);`,
];

type UserRow = {
  id: string;
  email: string;
  name: string;
  role: StoredUser["role"];
  password_hash: string;
  created_at: string;
};

type ChatRow = {
  id: string;
  title: string;
  model: string;
  system_prompt: string | null;
  created_at: string;
  last_activity_at: string;
};

/** A chat that a search found: its title matched, or else the newest message that did. */
type ChatSearchRow = ChatRow &
  (
    | { message_id: null; message_role: null; message_content: null; message_created_at: null }
    | {
        message_id: string;
        message_role: Message["role"];
        message_content: string;
        message_created_at: string;
      }
  );

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

type ApiKeyRow = {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  hash: string;
  created_at: string;
  last_used_at: string | null;
};

type RefreshTokenRow = {
  family_id: string;
  user_id: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
};

type AnswerDraftRow = {
  message_id: string;
  chat_id: string;
  user_id: string;
  content: string;
  model: string;
  created_at: string;
  updated_at: string;
};

type UsageSumsRow = { input_tokens: number; output_tokens: number; cost_usd: number; generations: number };

type Bindings = Record<string, string | number | null>;

const userColumns = "id, email, name, role, password_hash, created_at";
const chatColumns = "id, title, model, system_prompt, created_at, last_activity_at";
const apiKeyColumns = "id, user_id, name, prefix, hash, created_at, last_used_at";
const usageSums =
  "sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd, count(*) AS generations";
const usageOfPeriod = "user_id = $userId AND created_at >= $from AND created_at < $to";
const messageColumns =
  "id, chat_id, role, content, created_at, code_blocks, finish_reason, model, usage, client_message_id";
const ownedChat = "SELECT 1 FROM chats WHERE id = $chatId AND user_id = $userId";
// `$pattern` is made by `toLikePattern`; LIKE ignores the case of ASCII letters only. A search scans the
// user's chats and their messages: there is no full-text index.
const containsQuery = "LIKE $pattern ESCAPE '\\'";
const chatSearchColumns = `chats.id, chats.title, chats.model, chats.system_prompt, chats.created_at,
  chats.last_activity_at, message.id AS message_id, message.role AS message_role,
  message.content AS message_content, message.created_at AS message_created_at`;
// A chat whose title matches needs no message; of the others, the newest message that matches.
const chatSearchMatches = `chats LEFT JOIN messages AS message
  ON chats.title NOT ${containsQuery} AND message.id = (
    SELECT id FROM messages WHERE chat_id = chats.id AND content ${containsQuery}
    ORDER BY created_at DESC, id DESC LIMIT 1
  )`;
const chatSearchFound = `(chats.title ${containsQuery} OR message.id IS NOT NULL)`;

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
    this.normalizeLegacyEmailKeys();
    this.statements = prepareStatements(this.database);
    this.transactions = prepareTransactions(this.database, this.statements);
  }

  /**
   * Re-keys local users stored when the email key was only lower case, so that `normalizeEmail`
   * finds them and their look-alikes count as taken. Only a key outside printable ASCII or ending
   * in a dot can differ, so the rest is not read. When two old accounts meet under the new key, the
   * older keeps it and the other keeps its old key.
   */
  private normalizeLegacyEmailKeys(): void {
    const candidates = this.database
      .query<{ id: string; email: string; key: string }, []>(
        `SELECT id, email, email_normalized AS key FROM users
         WHERE external_issuer IS NULL AND (email_normalized GLOB '*[^ -~]*' OR email_normalized GLOB '*.')
         ORDER BY created_at, id`,
      )
      .all();
    const rekey = this.database.query("UPDATE OR IGNORE users SET email_normalized = $key WHERE id = $id");
    for (const user of candidates) {
      const key = normalizeEmail(user.email);
      if (key !== user.key) rekey.run({ key, id: user.id });
    }
  }

  /** The schema version of the open database: how many migrations it has. */
  get schemaVersion(): number {
    return this.readSchemaVersion();
  }

  async createUser(user: StoredUser, options: { adminIfFirst?: boolean } = {}): Promise<StoredUser> {
    try {
      // One statement: the check for other users and the insert cannot be separated by another write.
      const row = this.statements.insertUser.get({
        id: user.id,
        email: user.email,
        emailNormalized: normalizeEmail(user.email),
        name: user.name,
        role: user.role,
        adminIfFirst: options.adminIfFirst ? 1 : 0,
        passwordHash: user.passwordHash,
        createdAt: user.createdAt,
      });
      if (!row) throw new Error("The user was not stored");
      return toStoredUser(row);
    } catch (error) {
      if (error instanceof SQLiteError && error.message.includes("users.email_normalized")) {
        throw new AppError("EMAIL_TAKEN", "This email is already registered", { cause: error });
      }
      throw error;
    }
  }

  async findOrCreateExternalUser(identity: ExternalIdentity, user: NewExternalUser): Promise<StoredUser> {
    const bindings = { issuer: identity.issuer, subject: identity.subject };
    this.statements.insertExternalUser.run({
      ...bindings,
      id: user.id,
      email: user.email,
      emailNormalized: externalEmailKey(identity),
      name: user.name,
      role: user.role,
      createdAt: user.createdAt,
    });
    const row = this.statements.userByExternalIdentity.get(bindings);
    if (!row) throw new Error("The external user was not stored");
    return toStoredUser(row);
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
      systemPrompt: chat.systemPrompt ?? null,
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

  async searchChats(userId: string, query: string, page: PageRequest): Promise<Page<ChatSearchHit>> {
    checkLimit(page.limit, 1);
    const bindings = { userId, pattern: toLikePattern(query), limit: page.limit + 1 };
    const rows =
      page.cursor === undefined
        ? this.statements.firstChatSearchHits.all(bindings)
        : this.statements.chatSearchHitsAfter.all({ ...bindings, ...afterBindings(page.cursor) });
    return toPage(
      rows.map((row) => toChatSearchHit(row, query)),
      page.limit,
      (hit) => chatSortKey(hit.chat),
    );
  }

  async updateChat(
    chatId: string,
    userId: string,
    changes: ChatChanges,
    onlyIfTitle?: string,
  ): Promise<{ chat: Chat; updated: boolean } | null> {
    const updatedRow = this.statements.updateChat.get({
      chatId,
      userId,
      title: changes.title ?? null,
      model: changes.model ?? null,
      systemPrompt: changes.systemPrompt ?? null,
      onlyIfTitle: onlyIfTitle ?? null,
    });
    if (updatedRow) return { chat: toChat(updatedRow), updated: true };
    // Nothing matched: either the chat is not this user's, or its title is no longer `onlyIfTitle`.
    const row = this.statements.chatById.get({ chatId, userId });
    return row ? { chat: toChat(row), updated: false } : null;
  }

  async deleteChat(chatId: string, userId: string): Promise<boolean> {
    return this.transactions.deleteChat.immediate(chatId, userId);
  }

  async appendMessage(userId: string, message: Message): Promise<boolean> {
    return this.transactions.appendMessage.immediate(userId, message);
  }

  async deleteMessage(userId: string, chatId: string, messageId: string): Promise<boolean> {
    return this.transactions.deleteMessage.immediate(userId, chatId, messageId);
  }

  async saveAnswerDraft(draft: AnswerDraft): Promise<boolean> {
    const saved = this.statements.saveAnswerDraft.run({
      messageId: draft.messageId,
      chatId: draft.chatId,
      userId: draft.userId,
      content: draft.content,
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
      content: row.content,
      model: row.model,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
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

  async createApiKey(userId: string, key: StoredApiKey): Promise<ApiKey> {
    this.statements.insertApiKey.run({
      id: key.id,
      userId,
      name: key.name,
      prefix: key.prefix,
      hash: key.hash,
      createdAt: toSortableTimestamp(key.createdAt),
    });
    // A retried create of the same key returns it; an id or hash that another key holds is refused.
    const row = this.statements.apiKeyById.get({ keyId: key.id, userId });
    if (!row || row.hash !== key.hash)
      throw new AppError("VALIDATION_FAILED", "This API key is already in use");
    return toApiKey(row);
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return this.statements.apiKeysOfUser.all({ userId }).map(toApiKey);
  }

  async deleteApiKey(userId: string, keyId: string): Promise<boolean> {
    return this.statements.deleteApiKey.run({ keyId, userId }).changes > 0;
  }

  async findApiKeyByHash(hash: string, usedAt: string): Promise<{ apiKey: ApiKey; user: StoredUser } | null> {
    const keyRow = this.statements.useApiKey.get({ hash, usedAt: toSortableTimestamp(usedAt) });
    if (!keyRow) return null;
    const userRow = this.statements.userById.get({ userId: keyRow.user_id });
    return userRow ? { apiKey: toApiKey(keyRow), user: toStoredUser(userRow) } : null;
  }

  async recordUsage(record: UsageRecord): Promise<boolean> {
    const inserted = this.statements.insertUsageRecord.run({
      id: record.id,
      userId: record.userId,
      chatId: record.chatId,
      messageId: record.messageId,
      purpose: record.purpose,
      model: record.model,
      provider: record.provider,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      costUsd: record.costUsd,
      timeToFirstTokenMs: record.timeToFirstTokenMs,
      durationMs: record.durationMs,
      createdAt: toSortableTimestamp(record.createdAt),
    });
    return inserted.changes > 0;
  }

  async usageReport(userId: string, from: string, to: string): Promise<UsageReport> {
    const period = { from: toSortableTimestamp(from), to: toSortableTimestamp(to) };
    return this.transactions.usageReport(userId, period);
  }

  async startRefreshFamily(token: StoredRefreshToken): Promise<void> {
    this.transactions.startRefreshFamily.immediate({
      ...token,
      createdAt: toSortableTimestamp(token.createdAt),
      expiresAt: toSortableTimestamp(token.expiresAt),
    });
  }

  async rotateRefreshToken(hash: string, successor: RefreshTokenSuccessor): Promise<RefreshRotation> {
    return this.transactions.rotateRefreshToken.immediate(hash, {
      hash: successor.hash,
      createdAt: toSortableTimestamp(successor.createdAt),
      expiresAt: toSortableTimestamp(successor.expiresAt),
    });
  }

  async revokeRefreshFamily(hash: string, revokedAt: string): Promise<string | null> {
    const token = this.statements.refreshTokenByHash.get({ hash });
    if (!token) return null;
    this.statements.revokeRefreshFamily.run({
      familyId: token.family_id,
      revokedAt: toSortableTimestamp(revokedAt),
    });
    return token.family_id;
  }

  async revokeRefreshFamilyById(familyId: string, userId: string, revokedAt: string): Promise<boolean> {
    const revoked = this.statements.revokeRefreshFamilyOfUser.run({
      familyId,
      userId,
      revokedAt: toSortableTimestamp(revokedAt),
    });
    return revoked.changes > 0;
  }

  async revokeSignIn(signInId: string, revokedAt: string, expiresAt: string): Promise<void> {
    this.statements.deleteExpiredSignInRevocations.run({ now: toSortableTimestamp(revokedAt) });
    this.statements.revokeSignIn.run({ signInId, expiresAt: toSortableTimestamp(expiresAt) });
  }

  async isSignInRevoked(signInId: string, at: string): Promise<boolean> {
    return this.statements.signInRevoked.get({ signInId, at: toSortableTimestamp(at) }) !== null;
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
    insertUser: prepare<UserRow>(
      `INSERT INTO users (id, email, email_normalized, name, role, password_hash, created_at)
       SELECT $id, $email, $emailNormalized, $name,
         CASE WHEN $adminIfFirst = 1 AND NOT EXISTS (SELECT 1 FROM users) THEN 'admin' ELSE $role END,
         $passwordHash, $createdAt
       RETURNING ${userColumns}`,
    ),
    insertExternalUser: prepare(
      `INSERT INTO users (id, email, email_normalized, name, role, password_hash, created_at,
         external_issuer, external_subject)
       VALUES ($id, $email, $emailNormalized, $name, $role, '', $createdAt, $issuer, $subject)
       ON CONFLICT (external_issuer, external_subject) DO NOTHING`,
    ),
    userByExternalIdentity: prepare<UserRow>(
      `SELECT ${userColumns} FROM users WHERE external_issuer = $issuer AND external_subject = $subject`,
    ),
    userByEmail: prepare<UserRow>(
      `SELECT ${userColumns} FROM users WHERE email_normalized = $emailNormalized`,
    ),
    userById: prepare<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $userId`),
    countUsers: prepare<{ count: number }>("SELECT count(*) AS count FROM users"),
    insertChat: prepare(
      `INSERT INTO chats (id, user_id, title, model, system_prompt, created_at, last_activity_at)
       VALUES ($chatId, $userId, $title, $model, nullif($systemPrompt, ''), $createdAt, $createdAt)
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
    firstChatSearchHits: prepare<ChatSearchRow>(
      `SELECT ${chatSearchColumns} FROM ${chatSearchMatches}
       WHERE chats.user_id = $userId AND ${chatSearchFound}
       ORDER BY chats.last_activity_at DESC, chats.id DESC LIMIT $limit`,
    ),
    chatSearchHitsAfter: prepare<ChatSearchRow>(
      `SELECT ${chatSearchColumns} FROM ${chatSearchMatches}
       WHERE chats.user_id = $userId AND ${chatSearchFound}
         AND (chats.last_activity_at, chats.id) < ($afterAt, $afterId)
       ORDER BY chats.last_activity_at DESC, chats.id DESC LIMIT $limit`,
    ),
    // A null binding keeps the column; an empty system prompt clears it. The title condition sits in
    // the same statement, so no other write can come between the check and the change.
    updateChat: prepare<ChatRow>(
      `UPDATE chats SET
         title = coalesce($title, title),
         model = coalesce($model, model),
         system_prompt = CASE WHEN $systemPrompt IS NULL THEN system_prompt ELSE nullif($systemPrompt, '') END
       WHERE id = $chatId AND user_id = $userId AND ($onlyIfTitle IS NULL OR title = $onlyIfTitle)
       RETURNING ${chatColumns}`,
    ),
    deleteMessagesOfChat: prepare(`DELETE FROM messages WHERE chat_id = $chatId AND EXISTS (${ownedChat})`),
    deleteChat: prepare("DELETE FROM chats WHERE id = $chatId AND user_id = $userId"),
    insertMessage: prepare(
      `INSERT INTO messages (${messageColumns})
       SELECT $id, $chatId, $role, $content, $createdAt, $codeBlocks, $finishReason, $model, $usage, $clientMessageId
       WHERE EXISTS (${ownedChat}) AND NOT EXISTS (SELECT 1 FROM deleted_messages WHERE id = $id)
       ON CONFLICT (id) DO NOTHING`,
    ),
    insertTombstone: prepare(
      `INSERT INTO deleted_messages (id, chat_id) VALUES ($messageId, $chatId)
       ON CONFLICT (id) DO NOTHING`,
    ),
    deleteMessage: prepare("DELETE FROM messages WHERE id = $messageId AND chat_id = $chatId"),
    // Only for the draft's own user's chat, and never for an answer already written or deleted.
    saveAnswerDraft: prepare(
      `INSERT INTO answer_drafts (message_id, chat_id, user_id, content, model, created_at, updated_at)
       SELECT $messageId, $chatId, $userId, $content, $model, $createdAt, $updatedAt
       WHERE EXISTS (${ownedChat})
         AND NOT EXISTS (SELECT 1 FROM messages WHERE id = $messageId)
         AND NOT EXISTS (SELECT 1 FROM deleted_messages WHERE id = $messageId)
       ON CONFLICT (message_id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
    ),
    answerDrafts: prepare<AnswerDraftRow>(
      `SELECT message_id, chat_id, user_id, content, model, created_at, updated_at FROM answer_drafts
       ORDER BY updated_at, message_id LIMIT $limit`,
    ),
    deleteAnswerDraft: prepare("DELETE FROM answer_drafts WHERE message_id = $messageId"),
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
    insertApiKey: prepare(
      `INSERT INTO api_keys (id, user_id, name, prefix, hash, created_at, last_used_at)
       VALUES ($id, $userId, $name, $prefix, $hash, $createdAt, NULL)
       ON CONFLICT DO NOTHING`,
    ),
    apiKeyById: prepare<ApiKeyRow>(
      `SELECT ${apiKeyColumns} FROM api_keys WHERE id = $keyId AND user_id = $userId`,
    ),
    apiKeysOfUser: prepare<ApiKeyRow>(
      `SELECT ${apiKeyColumns} FROM api_keys WHERE user_id = $userId ORDER BY created_at DESC, id DESC`,
    ),
    deleteApiKey: prepare("DELETE FROM api_keys WHERE id = $keyId AND user_id = $userId"),
    useApiKey: prepare<ApiKeyRow>(
      `UPDATE api_keys
       SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $usedAt THEN $usedAt ELSE last_used_at END
       WHERE hash = $hash
       RETURNING ${apiKeyColumns}`,
    ),
    insertUsageRecord: prepare(
      `INSERT INTO usage_records (id, user_id, chat_id, message_id, purpose, model, provider, input_tokens,
         output_tokens, cost_usd, time_to_first_token_ms, duration_ms, created_at)
       VALUES ($id, $userId, $chatId, $messageId, $purpose, $model, $provider, $inputTokens,
         $outputTokens, $costUsd, $timeToFirstTokenMs, $durationMs, $createdAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    insertRefreshFamily: prepare(
      `INSERT INTO refresh_token_families (id, user_id, created_at, expires_at, revoked_at)
       VALUES ($familyId, $userId, $createdAt, $expiresAt, NULL)`,
    ),
    deleteExpiredRefreshFamilies: prepare(
      "DELETE FROM refresh_token_families WHERE user_id = $userId AND expires_at <= $now",
    ),
    insertRefreshToken: prepare(
      `INSERT INTO refresh_tokens (hash, family_id, user_id, created_at, expires_at, used_at)
       VALUES ($hash, $familyId, $userId, $createdAt, $expiresAt, NULL)`,
    ),
    refreshTokenByHash: prepare<RefreshTokenRow>(
      `SELECT token.family_id, token.user_id, token.expires_at, token.used_at, family.revoked_at
       FROM refresh_tokens AS token JOIN refresh_token_families AS family ON family.id = token.family_id
       WHERE token.hash = $hash`,
    ),
    useRefreshToken: prepare("UPDATE refresh_tokens SET used_at = $usedAt WHERE hash = $hash"),
    extendRefreshFamily: prepare(
      "UPDATE refresh_token_families SET expires_at = max(expires_at, $expiresAt) WHERE id = $familyId",
    ),
    deleteExpiredRefreshTokensOfFamily: prepare(
      "DELETE FROM refresh_tokens WHERE family_id = $familyId AND expires_at <= $now",
    ),
    revokeRefreshFamily: prepare(
      "UPDATE refresh_token_families SET revoked_at = coalesce(revoked_at, $revokedAt) WHERE id = $familyId",
    ),
    revokeRefreshFamilyOfUser: prepare(
      `UPDATE refresh_token_families SET revoked_at = coalesce(revoked_at, $revokedAt)
       WHERE id = $familyId AND user_id = $userId`,
    ),
    revokeSignIn: prepare(
      `INSERT INTO revoked_sign_ins (id, expires_at) VALUES ($signInId, $expiresAt)
       ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
    ),
    signInRevoked: prepare<{ revoked: number }>(
      "SELECT 1 AS revoked FROM revoked_sign_ins WHERE id = $signInId AND expires_at > $at",
    ),
    deleteExpiredSignInRevocations: prepare("DELETE FROM revoked_sign_ins WHERE expires_at <= $now"),
    usageByChat: prepare<UsageSumsRow & { chat_id: string | null }>(
      `SELECT chat_id, ${usageSums} FROM usage_records WHERE ${usageOfPeriod} GROUP BY chat_id`,
    ),
    usageByModel: prepare<UsageSumsRow & { model: string; provider: string }>(
      `SELECT model, provider, ${usageSums} FROM usage_records WHERE ${usageOfPeriod} GROUP BY model, provider`,
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
      statements.deleteAnswerDraft.run({ messageId: message.id });
      if (inserted.changes === 0) return false;
      statements.moveChatActivity.run({ chatId: message.chatId, userId, createdAt });
      return true;
    }),
    deleteMessage: database.transaction((userId: string, chatId: string, messageId: string): boolean => {
      if (!statements.chatById.get({ chatId, userId })) return false;
      statements.insertTombstone.run({ messageId, chatId });
      statements.deleteAnswerDraft.run({ messageId });
      return statements.deleteMessage.run({ messageId, chatId }).changes > 0;
    }),
    startRefreshFamily: database.transaction((token: StoredRefreshToken): void => {
      // Each sign-in sweeps the user's expired families (and, by cascade, their tokens).
      statements.deleteExpiredRefreshFamilies.run({ userId: token.userId, now: token.createdAt });
      try {
        statements.insertRefreshFamily.run({
          familyId: token.familyId,
          userId: token.userId,
          createdAt: token.createdAt,
          expiresAt: token.expiresAt,
        });
      } catch (error) {
        if (error instanceof SQLiteError && error.message.includes("refresh_token_families.id")) {
          throw new AppError("VALIDATION_FAILED", "This refresh-token family exists", { cause: error });
        }
        throw error;
      }
      statements.insertRefreshToken.run({
        hash: token.hash,
        familyId: token.familyId,
        userId: token.userId,
        createdAt: token.createdAt,
        expiresAt: token.expiresAt,
      });
    }),
    // Check, use up and replace in one IMMEDIATE transaction: two rotations of one token cannot
    // both find it unused.
    rotateRefreshToken: database.transaction(
      (hash: string, successor: RefreshTokenSuccessor): RefreshRotation => {
        const now = successor.createdAt;
        const token = statements.refreshTokenByHash.get({ hash });
        if (!token) return { outcome: "unknown" };
        if (token.revoked_at !== null) return { outcome: "revoked" };
        if (token.used_at !== null) {
          statements.revokeRefreshFamily.run({ familyId: token.family_id, revokedAt: now });
          return { outcome: "reused", familyId: token.family_id };
        }
        if (token.expires_at <= now) return { outcome: "expired" };
        const user = statements.userById.get({ userId: token.user_id });
        if (!user) return { outcome: "unknown" };
        statements.useRefreshToken.run({ hash, usedAt: now });
        statements.insertRefreshToken.run({
          hash: successor.hash,
          familyId: token.family_id,
          userId: token.user_id,
          createdAt: now,
          expiresAt: successor.expiresAt,
        });
        statements.extendRefreshFamily.run({ familyId: token.family_id, expiresAt: successor.expiresAt });
        statements.deleteExpiredRefreshTokensOfFamily.run({ familyId: token.family_id, now });
        return { outcome: "rotated", user: toStoredUser(user), familyId: token.family_id };
      },
    ),
    // One read transaction, so both groupings sum the same records.
    usageReport: database.transaction((userId: string, period: { from: string; to: string }): UsageReport => {
      const bindings = { userId, from: period.from, to: period.to };
      const chats: ChatUsageSums[] = statements.usageByChat
        .all(bindings)
        .map((row) => ({ chatId: row.chat_id, ...toUsageTotals(row) }));
      const models: ModelUsageSums[] = statements.usageByModel
        .all(bindings)
        .map((row) => ({ model: row.model, provider: row.provider, ...toUsageTotals(row) }));
      return toUsageReport(period, { chats, models });
    }),
  };
}

/** A LIKE pattern (with `ESCAPE '\'`) for text containing `query`, its `%`, `_` and `\` taken literally. */
function toLikePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, "\\$&")}%`;
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
    ...(row.system_prompt !== null && { systemPrompt: row.system_prompt }),
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
  };
}

function toChatSearchHit(row: ChatSearchRow, query: string): ChatSearchHit {
  const chat = toChat(row);
  if (row.message_id === null) return { chat, match: { in: "title" } };
  return {
    chat,
    match: {
      in: "message",
      messageId: row.message_id,
      role: row.message_role,
      createdAt: row.message_created_at,
      snippet: searchSnippet(row.message_content, query),
    },
  };
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function toUsageTotals(row: UsageSumsRow): UsageTotals {
  return {
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_usd,
    generations: row.generations,
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
