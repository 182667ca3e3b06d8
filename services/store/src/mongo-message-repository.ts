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
import {
  type Collection,
  type Db,
  type Filter,
  MongoClient,
  MongoServerError,
  type UpdateFilter,
} from "mongodb";
import type { ChatChanges, MessageRepository, NewChat, Page, PageRequest } from "./message-repository.ts";
import {
  chatSortKey,
  checkLimit,
  decodeCursor,
  messageSortKey,
  toPage,
  toSortableTimestamp,
} from "./page-cursor.ts";
import { escapeRegExp, searchSnippet } from "./search-snippet.ts";
import { type ChatUsageSums, type ModelUsageSums, toUsageReport } from "./usage-report.ts";

type UserDocument = {
  _id: string;
  email: string;
  /** `normalizeEmail` of the email: the unique index makes look-alike emails one email. */
  emailNormalized: string;
  name: string;
  role: StoredUser["role"];
  passwordHash: string;
  createdAt: string;
  /** An external identity provider's `iss` and the user's `sub` there; absent for local accounts. */
  externalIssuer?: string;
  externalSubject?: string;
};

/** A marker that only one write can create: `first-account` names the user who became admin by it. */
type ClaimDocument = { _id: string; userId: string; claimedAt: Date };

/** A refresh-token family; its tokens are valid only while it is not revoked. */
/** An ended sign-in; the TTL index deletes it at `expiresAt`. */
type RevokedSignInDocument = { _id: string; expiresAt: Date };

type RefreshFamilyDocument = {
  _id: string;
  userId: string;
  createdAt: Date;
  /** The latest expiry of its tokens; the TTL index deletes the family after it. */
  expiresAt: Date;
  revokedAt: Date | null;
};

/** A refresh token by the SHA-256 of its secret (`_id`). */
type RefreshTokenDocument = {
  _id: string;
  familyId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
};

type ChatDocument = {
  _id: string;
  userId: string;
  title: string;
  model: string;
  /** Absent when the chat has none: an empty prompt is never stored. */
  systemPrompt?: string;
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

/** A deleted message's tombstone, by the message id (`_id`): appendMessage refuses that id. */
type DeletedMessageDocument = { _id: string; chatId: string };

/** The checkpoint of an answer being written, by the message id (`_id`). */
type AnswerDraftDocument = Omit<AnswerDraft, "messageId"> & { _id: string };

/** What the search's aggregation returns: a chat, whether its title matched, else its newest matching message. */
type ChatSearchDocument = ChatDocument & {
  titleMatches: boolean;
  matchingMessages: Pick<MessageDocument, "_id" | "role" | "content" | "createdAt">[];
};

type ApiKeyDocument = {
  _id: string;
  userId: string;
  name: string;
  prefix: string;
  /** SHA-256 of the secret; unique. */
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
};

/** A usage record; `_id` is the record's id, so recording it twice keeps one. */
type UsageRecordDocument = {
  _id: string;
  userId: string;
  chatId: string | null;
  messageId: string | null;
  purpose: UsageRecord["purpose"];
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  timeToFirstTokenMs: number | null;
  durationMs: number;
  createdAt: Date;
};

type UsageSumsDocument = UsageTotals & { _id: unknown };

/** What the report's aggregation returns: one document with both groupings of the same records. */
type UsageFacetsDocument = {
  chats: (UsageSumsDocument & { _id: string | null })[];
  models: (UsageSumsDocument & { _id: { model: string; provider: string } })[];
};

const usageSums = {
  inputTokens: { $sum: "$inputTokens" },
  outputTokens: { $sum: "$outputTokens" },
  costUsd: { $sum: "$costUsd" },
  generations: { $sum: 1 },
};

/** listChats' order: newest activity first, ties by id. */
const chatOrder = { lastActivityAt: -1, _id: -1 } as const;

const duplicateKeyCode = 11000;
const firstAccountClaim = "first-account";
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
  private readonly deletedMessages: Collection<DeletedMessageDocument>;
  private readonly answerDrafts: Collection<AnswerDraftDocument>;
  private readonly apiKeys: Collection<ApiKeyDocument>;
  private readonly usageRecords: Collection<UsageRecordDocument>;
  private readonly claims: Collection<ClaimDocument>;
  private readonly refreshFamilies: Collection<RefreshFamilyDocument>;
  private readonly refreshTokens: Collection<RefreshTokenDocument>;
  private readonly revokedSignIns: Collection<RevokedSignInDocument>;

  constructor(options: { url: string; databaseName: string }) {
    this.client = new MongoClient(options.url);
    this.database = this.client.db(options.databaseName);
    this.users = this.database.collection<UserDocument>("users");
    this.chats = this.database.collection<ChatDocument>("chats");
    this.messages = this.database.collection<MessageDocument>("messages");
    this.deletedMessages = this.database.collection<DeletedMessageDocument>("deletedMessages");
    this.answerDrafts = this.database.collection<AnswerDraftDocument>("answerDrafts");
    this.apiKeys = this.database.collection<ApiKeyDocument>("apiKeys");
    this.usageRecords = this.database.collection<UsageRecordDocument>("usageRecords");
    this.claims = this.database.collection<ClaimDocument>("claims");
    this.refreshFamilies = this.database.collection<RefreshFamilyDocument>("refreshTokenFamilies");
    this.refreshTokens = this.database.collection<RefreshTokenDocument>("refreshTokens");
    this.revokedSignIns = this.database.collection<RevokedSignInDocument>("revokedSignIns");
  }

  /** Connects and creates the indexes (creating an existing index is a no-op). Call once before use. */
  async init(): Promise<void> {
    await this.client.connect();
    await Promise.all([
      this.users.createIndexes([
        { key: { emailNormalized: 1 }, name: "email_unique", unique: true },
        {
          key: { externalIssuer: 1, externalSubject: 1 },
          name: "external_identity_unique",
          unique: true,
          partialFilterExpression: { externalIssuer: { $type: "string" } },
        },
      ]),
      this.chats.createIndexes([
        { key: { userId: 1, lastActivityAt: -1, _id: -1 }, name: "by_owner_activity" },
      ]),
      this.messages.createIndexes([{ key: { chatId: 1, createdAt: 1, _id: 1 }, name: "by_chat_time" }]),
      this.deletedMessages.createIndexes([{ key: { chatId: 1 }, name: "by_chat" }]),
      this.answerDrafts.createIndexes([
        { key: { chatId: 1 }, name: "by_chat" },
        { key: { updatedAt: 1, _id: 1 }, name: "by_update" },
      ]),
      this.apiKeys.createIndexes([
        { key: { hash: 1 }, name: "hash_unique", unique: true },
        { key: { userId: 1, createdAt: -1, _id: -1 }, name: "by_owner_created" },
      ]),
      this.usageRecords.createIndexes([{ key: { userId: 1, createdAt: 1 }, name: "by_owner_time" }]),
      // TTL indexes: MongoDB deletes expired families and tokens itself (within about a minute).
      this.refreshFamilies.createIndexes([
        { key: { userId: 1 }, name: "by_owner" },
        { key: { expiresAt: 1 }, name: "expiry", expireAfterSeconds: 0 },
      ]),
      this.refreshTokens.createIndexes([
        { key: { familyId: 1 }, name: "by_family" },
        { key: { expiresAt: 1 }, name: "expiry", expireAfterSeconds: 0 },
      ]),
      this.revokedSignIns.createIndexes([{ key: { expiresAt: 1 }, name: "expiry", expireAfterSeconds: 0 }]),
    ]);
    await this.normalizeLegacyEmailKeys();
  }

  /**
   * Re-keys local users stored when the email key was only lower case, so that `normalizeEmail`
   * finds them and their look-alikes count as taken. Only a key outside printable ASCII or ending
   * in a dot can differ, so the rest is not read. When two old accounts meet under the new key, the
   * older keeps it and the other keeps its old key.
   */
  private async normalizeLegacyEmailKeys(): Promise<void> {
    const candidates = this.users
      .find(
        { externalIssuer: { $exists: false }, emailNormalized: { $regex: "[^\\x20-\\x7e]|\\.$" } },
        { projection: { email: 1, emailNormalized: 1 } },
      )
      .sort({ createdAt: 1, _id: 1 });
    for await (const user of candidates) {
      const emailNormalized = normalizeEmail(user.email);
      if (emailNormalized === user.emailNormalized) continue;
      try {
        await this.users.updateOne({ _id: user._id }, { $set: { emailNormalized } });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  /** Drops the whole database; for tests that made one of their own. */
  async dropDatabase(): Promise<void> {
    await this.database.dropDatabase();
  }

  async createUser(user: StoredUser, options: { adminIfFirst?: boolean } = {}): Promise<StoredUser> {
    const emailNormalized = normalizeEmail(user.email);
    // Without transactions, "first" is whoever creates the one `first-account` claim; only tried
    // while no user exists, so a database that has users never makes a new admin this way.
    const claimed =
      options.adminIfFirst === true &&
      (await this.users.countDocuments({}, { limit: 1 })) === 0 &&
      (await this.claimFirstAccount(user.id));
    const document: UserDocument = {
      _id: user.id,
      email: user.email,
      emailNormalized,
      name: user.name,
      role: claimed ? "admin" : user.role,
      passwordHash: user.passwordHash,
      createdAt: user.createdAt,
    };
    try {
      await this.users.insertOne(document);
      return toStoredUser(document);
    } catch (error) {
      // The claim goes back, so that the account that does get created first can take it.
      if (claimed) await this.claims.deleteOne({ _id: firstAccountClaim, userId: user.id });
      if (isDuplicateKey(error) && (await this.users.countDocuments({ emailNormalized }, { limit: 1 })) > 0) {
        throw new AppError("EMAIL_TAKEN", "This email is already registered", { cause: error });
      }
      throw error;
    }
  }

  async findOrCreateExternalUser(identity: ExternalIdentity, user: NewExternalUser): Promise<StoredUser> {
    const filter = { externalIssuer: identity.issuer, externalSubject: identity.subject };
    try {
      const document = await this.users.findOneAndUpdate(
        filter,
        {
          $setOnInsert: {
            _id: user.id,
            email: user.email,
            emailNormalized: externalEmailKey(identity),
            name: user.name,
            role: user.role,
            passwordHash: "",
            createdAt: user.createdAt,
          },
        },
        { upsert: true, returnDocument: "after" },
      );
      if (document) return toStoredUser(document);
    } catch (error) {
      // Two first sights at once: the other one's insert won the unique index.
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await this.users.findOne(filter);
    if (!existing) throw new Error("The external user was not stored");
    return toStoredUser(existing);
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
      ...(chat.systemPrompt && { systemPrompt: chat.systemPrompt }),
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
    const documents = await this.chats
      .find(chatsOfUserAfter(userId, page.cursor))
      .sort(chatOrder)
      .limit(page.limit + 1)
      .toArray();
    return toPage(documents.map(toChat), page.limit, chatSortKey);
  }

  async searchChats(userId: string, query: string, page: PageRequest): Promise<Page<ChatSearchHit>> {
    checkLimit(page.limit, 1);
    const pattern = escapeRegExp(query);
    // The pipeline streams the user's chats in list order and stops after `limit + 1` hits. The lookup
    // runs for a chat whose title matches too, though its message is not needed.
    const documents = await this.chats
      .aggregate<ChatSearchDocument>([
        { $match: chatsOfUserAfter(userId, page.cursor) },
        { $sort: chatOrder },
        {
          $lookup: {
            from: this.messages.collectionName,
            localField: "_id",
            foreignField: "chatId",
            pipeline: [
              { $match: { content: { $regex: pattern, $options: "i" } } },
              { $sort: { createdAt: -1, _id: -1 } },
              { $limit: 1 },
              { $project: { role: 1, content: 1, createdAt: 1 } },
            ],
            as: "matchingMessages",
          },
        },
        { $addFields: { titleMatches: { $regexMatch: { input: "$title", regex: pattern, options: "i" } } } },
        { $match: { $or: [{ titleMatches: true }, { "matchingMessages.0": { $exists: true } }] } },
        { $limit: page.limit + 1 },
      ])
      .toArray();
    return toPage(
      documents.map((document) => toChatSearchHit(document, query)),
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
    // The title condition sits in the filter of the one update, so no other write can come between
    // the check and the change.
    const filter: Filter<ChatDocument> = { _id: chatId, userId };
    if (onlyIfTitle !== undefined) filter.title = onlyIfTitle;
    const update = toChatUpdate(changes);
    const document = update
      ? await this.chats.findOneAndUpdate(filter, update, { returnDocument: "after" })
      : await this.chats.findOne(filter);
    if (document) return { chat: toChat(document), updated: true };
    // Nothing matched: either the chat is not this user's, or its title is no longer `onlyIfTitle`.
    const current = await this.chats.findOne({ _id: chatId, userId });
    return current ? { chat: toChat(current), updated: false } : null;
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

  async appendMessage(userId: string, message: Message): Promise<boolean> {
    if (!(await this.ownsChat(message.chatId, userId))) return false;
    if (await this.takeBackIfDeleted(message.id)) return false;
    const document = toMessageDocument(message);
    try {
      await this.messages.insertOne(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.answerDrafts.deleteOne({ _id: message.id });
      await this.repairChatActivity(message.id, userId);
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
    return true;
  }

  async deleteMessage(userId: string, chatId: string, messageId: string): Promise<boolean> {
    if (!(await this.ownsChat(chatId, userId))) return false;
    // The tombstone goes before the delete, so that no append slips in between them unseen (see appendMessage).
    try {
      await this.deletedMessages.insertOne({ _id: messageId, chatId });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const { deletedCount } = await this.messages.deleteOne({ _id: messageId, chatId });
    await this.answerDrafts.deleteOne({ _id: messageId, chatId });
    // A deleteChat may have swept the chat's tombstones between the ownership check and this one's
    // insert; without its chat, the tombstone is taken back out.
    if (!(await this.ownsChat(chatId, userId)))
      await this.deletedMessages.deleteOne({ _id: messageId, chatId });
    return deletedCount > 0;
  }

  async saveAnswerDraft(draft: AnswerDraft): Promise<boolean> {
    if (!(await this.ownsChat(draft.chatId, draft.userId))) return false;
    const { messageId, ...fields } = draft;
    await this.answerDrafts.updateOne({ _id: messageId }, { $set: fields }, { upsert: true });
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
    return documents.map(({ _id, ...fields }) => ({ messageId: _id, ...fields }));
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

  async createApiKey(userId: string, key: StoredApiKey): Promise<ApiKey> {
    const document: ApiKeyDocument = {
      _id: key.id,
      userId,
      name: key.name,
      prefix: key.prefix,
      hash: key.hash,
      createdAt: new Date(toSortableTimestamp(key.createdAt)),
      lastUsedAt: null,
    };
    try {
      await this.apiKeys.insertOne(document);
      return toApiKey(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // A retried create of the same key returns it; an id or hash that another key holds is refused.
    const existing = await this.apiKeys.findOne({ _id: key.id, userId, hash: key.hash });
    if (!existing) throw new AppError("VALIDATION_FAILED", "This API key is already in use");
    return toApiKey(existing);
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    const documents = await this.apiKeys.find({ userId }).sort({ createdAt: -1, _id: -1 }).toArray();
    return documents.map(toApiKey);
  }

  async deleteApiKey(userId: string, keyId: string): Promise<boolean> {
    const { deletedCount } = await this.apiKeys.deleteOne({ _id: keyId, userId });
    return deletedCount > 0;
  }

  async findApiKeyByHash(hash: string, usedAt: string): Promise<{ apiKey: ApiKey; user: StoredUser } | null> {
    // `$max` sets a null or missing lastUsedAt, and never moves a later one back.
    const key = await this.apiKeys.findOneAndUpdate(
      { hash },
      { $max: { lastUsedAt: new Date(toSortableTimestamp(usedAt)) } },
      { returnDocument: "after" },
    );
    if (!key) return null;
    const user = await this.users.findOne({ _id: key.userId });
    return user ? { apiKey: toApiKey(key), user: toStoredUser(user) } : null;
  }

  async recordUsage(record: UsageRecord): Promise<boolean> {
    try {
      await this.usageRecords.insertOne(toUsageRecordDocument(record));
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async usageReport(userId: string, from: string, to: string): Promise<UsageReport> {
    const period = { from: toSortableTimestamp(from), to: toSortableTimestamp(to) };
    // One aggregation with both groupings, so they sum the same records.
    const [facets] = await this.usageRecords
      .aggregate<UsageFacetsDocument>([
        { $match: { userId, createdAt: { $gte: new Date(period.from), $lt: new Date(period.to) } } },
        {
          $facet: {
            chats: [{ $group: { _id: "$chatId", ...usageSums } }],
            models: [{ $group: { _id: { model: "$model", provider: "$provider" }, ...usageSums } }],
          },
        },
      ])
      .toArray();
    const chats: ChatUsageSums[] = (facets?.chats ?? []).map((group) => ({
      chatId: group._id,
      ...toUsageTotals(group),
    }));
    const models: ModelUsageSums[] = (facets?.models ?? []).map((group) => ({
      model: group._id.model,
      provider: group._id.provider,
      ...toUsageTotals(group),
    }));
    return toUsageReport(period, { chats, models });
  }

  async startRefreshFamily(token: StoredRefreshToken): Promise<void> {
    const createdAt = new Date(toSortableTimestamp(token.createdAt));
    const expiresAt = new Date(toSortableTimestamp(token.expiresAt));
    try {
      await this.refreshFamilies.insertOne({
        _id: token.familyId,
        userId: token.userId,
        createdAt,
        expiresAt,
        revokedAt: null,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new AppError("VALIDATION_FAILED", "This refresh-token family exists", { cause: error });
    }
    await this.refreshTokens.insertOne({
      _id: token.hash,
      familyId: token.familyId,
      userId: token.userId,
      createdAt,
      expiresAt,
      usedAt: null,
    });
  }

  async rotateRefreshToken(hash: string, successor: RefreshTokenSuccessor): Promise<RefreshRotation> {
    const now = new Date(toSortableTimestamp(successor.createdAt));
    const known = await this.refreshTokens.findOne({ _id: hash }, { projection: { familyId: 1, userId: 1 } });
    if (!known) return { outcome: "unknown" };
    // The family and user are checked before the token is used up, not after: a reuse of this token
    // that revokes the family can only follow this rotation, which stays `rotated`, as when SQLite's
    // transaction orders the two.
    const family = await this.refreshFamilies.findOne({ _id: known.familyId });
    if (!family) return { outcome: "unknown" };
    if (family.revokedAt !== null) return { outcome: "revoked" };
    const user = await this.users.findOne({ _id: known.userId });
    if (!user) return { outcome: "unknown" };
    // Using the token up is one conditional write: of two rotations, only one finds it unused.
    const token = await this.refreshTokens.findOneAndUpdate(
      { _id: hash, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
    );
    if (!token) return this.refusedRotation(hash, now);
    const expiresAt = new Date(toSortableTimestamp(successor.expiresAt));
    await this.refreshTokens.insertOne({
      _id: successor.hash,
      familyId: token.familyId,
      userId: token.userId,
      createdAt: now,
      expiresAt,
      usedAt: null,
    });
    await this.refreshFamilies.updateOne({ _id: token.familyId }, { $max: { expiresAt } });
    return { outcome: "rotated", user: toStoredUser(user), familyId: token.familyId };
  }

  async revokeRefreshFamily(hash: string, revokedAt: string): Promise<string | null> {
    const token = await this.refreshTokens.findOne({ _id: hash }, { projection: { familyId: 1 } });
    if (!token) return null;
    await this.revokeFamily(token.familyId, new Date(toSortableTimestamp(revokedAt)));
    return token.familyId;
  }

  async revokeRefreshFamilyById(familyId: string, userId: string, revokedAt: string): Promise<boolean> {
    const family = await this.refreshFamilies.findOne({ _id: familyId, userId }, { projection: { _id: 1 } });
    if (!family) return false;
    await this.revokeFamily(familyId, new Date(toSortableTimestamp(revokedAt)));
    return true;
  }

  /** MongoDB's TTL index deletes expired entries, so `revokedAt` is not needed. */
  async revokeSignIn(signInId: string, _revokedAt: string, expiresAt: string): Promise<void> {
    await this.revokedSignIns.updateOne(
      { _id: signInId },
      { $set: { expiresAt: new Date(toSortableTimestamp(expiresAt)) } },
      { upsert: true },
    );
  }

  async isSignInRevoked(signInId: string, at: string): Promise<boolean> {
    const live = { _id: signInId, expiresAt: { $gt: new Date(toSortableTimestamp(at)) } };
    return (await this.revokedSignIns.countDocuments(live, { limit: 1 })) > 0;
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

  /** Creates the `first-account` claim for this user; false when someone holds it already. */
  private async claimFirstAccount(userId: string): Promise<boolean> {
    try {
      await this.claims.insertOne({ _id: firstAccountClaim, userId, claimedAt: new Date() });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Why a token that could not be used up was refused; a used one revokes its family. */
  private async refusedRotation(hash: string, now: Date): Promise<RefreshRotation> {
    const token = await this.refreshTokens.findOne({ _id: hash });
    if (!token) return { outcome: "unknown" };
    const family = await this.refreshFamilies.findOne({ _id: token.familyId });
    if (!family) return { outcome: "unknown" };
    if (family.revokedAt !== null) return { outcome: "revoked" };
    if (token.usedAt === null) return { outcome: "expired" };
    // Of several reuses at once, the one whose write revokes the family reports it; the others
    // come after it and find the family revoked.
    if (await this.revokeFamily(token.familyId, now)) return { outcome: "reused", familyId: token.familyId };
    return { outcome: "revoked" };
  }

  /** Revokes the family unless it is revoked already; true when this call revoked it. */
  private async revokeFamily(familyId: string, revokedAt: Date): Promise<boolean> {
    const result = await this.refreshFamilies.updateOne(
      { _id: familyId, revokedAt: null },
      { $set: { revokedAt } },
    );
    return result.matchedCount === 1;
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

/** The user's chats that come after the cursor in listChats' order; all of them without one. */
function chatsOfUserAfter(userId: string, cursor: string | undefined): Filter<ChatDocument> {
  if (cursor === undefined) return { userId };
  const after = decodeCursor(cursor);
  const at = new Date(after.at);
  return { userId, $or: [{ lastActivityAt: { $lt: at } }, { lastActivityAt: at, _id: { $lt: after.id } }] };
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === duplicateKeyCode;
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
    ...(document.systemPrompt != null && { systemPrompt: document.systemPrompt }),
    createdAt: document.createdAt.toISOString(),
    lastActivityAt: document.lastActivityAt.toISOString(),
  };
}

function toChatSearchHit(document: ChatSearchDocument, query: string): ChatSearchHit {
  const chat = toChat(document);
  const [message] = document.matchingMessages;
  if (document.titleMatches || !message) return { chat, match: { in: "title" } };
  return {
    chat,
    match: {
      in: "message",
      messageId: message._id,
      role: message.role,
      createdAt: message.createdAt.toISOString(),
      snippet: searchSnippet(message.content, query),
    },
  };
}

/** The update for `updateChat`, or null when there is nothing to change. */
function toChatUpdate(changes: ChatChanges): UpdateFilter<ChatDocument> | null {
  const set: Partial<Pick<ChatDocument, "title" | "model" | "systemPrompt">> = {};
  if (changes.title !== undefined) set.title = changes.title;
  if (changes.model !== undefined) set.model = changes.model;
  if (changes.systemPrompt) set.systemPrompt = changes.systemPrompt;
  const clearsSystemPrompt = changes.systemPrompt === "";
  if (Object.keys(set).length === 0 && !clearsSystemPrompt) return null;
  return {
    ...(Object.keys(set).length > 0 && { $set: set }),
    ...(clearsSystemPrompt && { $unset: { systemPrompt: "" as const } }),
  };
}

function toApiKey(document: ApiKeyDocument): ApiKey {
  return {
    id: document._id,
    name: document.name,
    prefix: document.prefix,
    createdAt: document.createdAt.toISOString(),
    lastUsedAt: document.lastUsedAt?.toISOString() ?? null,
  };
}

function toUsageRecordDocument(record: UsageRecord): UsageRecordDocument {
  return {
    _id: record.id,
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
    createdAt: new Date(toSortableTimestamp(record.createdAt)),
  };
}

function toUsageTotals(sums: UsageTotals): UsageTotals {
  return {
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    costUsd: sums.costUsd,
    generations: sums.generations,
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
