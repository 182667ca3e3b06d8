import {
  type ApiKey,
  AppError,
  type RefreshRotation,
  type RefreshTokenSuccessor,
  type StoredApiKey,
  type StoredRefreshToken,
  type StoredUser,
} from "@chat/contracts";
import type { Collection, Db } from "mongodb";
import type { CredentialRepository } from "../credential-repository.ts";
import { toSortableTimestamp } from "../page-cursor.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";
import { toStoredUser, type UserDocument } from "./mongo-user-records.ts";

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

/**
 * The credentials of the MongoDB store: API keys, refresh-token families and ended sign-ins.
 *
 * @example
 * const credentials = new MongoCredentialRepository(database);
 */
export class MongoCredentialRepository implements CredentialRepository {
  private readonly users: Collection<UserDocument>;
  private readonly apiKeys: Collection<ApiKeyDocument>;
  private readonly refreshFamilies: Collection<RefreshFamilyDocument>;
  private readonly refreshTokens: Collection<RefreshTokenDocument>;
  private readonly revokedSignIns: Collection<RevokedSignInDocument>;

  constructor(database: Db) {
    this.users = database.collection<UserDocument>("users");
    this.apiKeys = database.collection<ApiKeyDocument>("apiKeys");
    this.refreshFamilies = database.collection<RefreshFamilyDocument>("refreshTokenFamilies");
    this.refreshTokens = database.collection<RefreshTokenDocument>("refreshTokens");
    this.revokedSignIns = database.collection<RevokedSignInDocument>("revokedSignIns");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await Promise.all([
      this.apiKeys.createIndexes([
        { key: { hash: 1 }, name: "hash_unique", unique: true },
        { key: { userId: 1, createdAt: -1, _id: -1 }, name: "by_owner_created" },
      ]),
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

  async revokeUserRefreshFamilies(
    userId: string,
    revokedAt: string,
    exceptFamilyId?: string,
  ): Promise<string[]> {
    const open = await this.refreshFamilies
      .find({ userId, revokedAt: null }, { projection: { _id: 1 } })
      .toArray();
    const ids = open.map((family) => family._id).filter((id) => id !== exceptFamilyId);
    const at = new Date(toSortableTimestamp(revokedAt));
    const revoked = await Promise.all(ids.map((id) => this.revokeFamily(id, at)));
    return ids.filter((_, index) => revoked[index]);
  }

  async eraseUserCredentials(userId: string): Promise<void> {
    await this.refreshTokens.deleteMany({ userId });
    await this.refreshFamilies.deleteMany({ userId });
    await this.apiKeys.deleteMany({ userId });
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
