import { type Database, SQLiteError } from "bun:sqlite";
import {
  type ApiKey,
  AppError,
  type RefreshRotation,
  type RefreshTokenSuccessor,
  type StoredApiKey,
  type StoredRefreshToken,
  type StoredUser,
} from "@chat/contracts";
import type { CredentialRepository } from "../credential-repository.ts";
import { toSortableTimestamp } from "../page-cursor.ts";
import { prepareStatement } from "./prepare-statement.ts";
import { toStoredUser, type UserRow, userColumns } from "./sqlite-user-records.ts";

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

const apiKeyColumns = "id, user_id, name, prefix, hash, created_at, last_used_at";

/**
 * The credentials of the SQLite store: API keys, refresh-token families and ended sign-ins.
 *
 * @example
 * const credentials = new SqliteCredentialRepository(database);
 */
export class SqliteCredentialRepository implements CredentialRepository {
  private readonly statements: ReturnType<typeof prepareCredentialStatements>;
  private readonly transactions: ReturnType<typeof prepareCredentialTransactions>;

  constructor(database: Database) {
    this.statements = prepareCredentialStatements(database);
    this.transactions = prepareCredentialTransactions(database, this.statements);
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

  async revokeUserRefreshFamilies(
    userId: string,
    revokedAt: string,
    exceptFamilyId?: string,
  ): Promise<string[]> {
    const revoked = this.statements.revokeRefreshFamiliesOfUser.all({
      userId,
      revokedAt: toSortableTimestamp(revokedAt),
      exceptFamilyId: exceptFamilyId ?? null,
    });
    return revoked.map((family) => family.id);
  }

  async eraseUserCredentials(userId: string): Promise<void> {
    this.transactions.eraseUserCredentials.immediate(userId);
  }

  async revokeSignIn(signInId: string, revokedAt: string, expiresAt: string): Promise<void> {
    this.statements.deleteExpiredSignInRevocations.run({ now: toSortableTimestamp(revokedAt) });
    this.statements.revokeSignIn.run({ signInId, expiresAt: toSortableTimestamp(expiresAt) });
  }

  async isSignInRevoked(signInId: string, at: string): Promise<boolean> {
    return this.statements.signInRevoked.get({ signInId, at: toSortableTimestamp(at) }) !== null;
  }
}

function prepareCredentialStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    userById: prepare<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $userId`),
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
    revokeRefreshFamiliesOfUser: prepare<{ id: string }>(
      `UPDATE refresh_token_families SET revoked_at = $revokedAt
       WHERE user_id = $userId AND revoked_at IS NULL AND ($exceptFamilyId IS NULL OR id != $exceptFamilyId)
       RETURNING id`,
    ),
    deleteRefreshTokensOfUser: prepare("DELETE FROM refresh_tokens WHERE user_id = $userId"),
    deleteRefreshFamiliesOfUser: prepare("DELETE FROM refresh_token_families WHERE user_id = $userId"),
    deleteApiKeysOfUser: prepare("DELETE FROM api_keys WHERE user_id = $userId"),
    revokeSignIn: prepare(
      `INSERT INTO revoked_sign_ins (id, expires_at) VALUES ($signInId, $expiresAt)
       ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
    ),
    signInRevoked: prepare<{ revoked: number }>(
      "SELECT 1 AS revoked FROM revoked_sign_ins WHERE id = $signInId AND expires_at > $at",
    ),
    deleteExpiredSignInRevocations: prepare("DELETE FROM revoked_sign_ins WHERE expires_at <= $now"),
  };
}

function prepareCredentialTransactions(
  database: Database,
  statements: ReturnType<typeof prepareCredentialStatements>,
) {
  return {
    eraseUserCredentials: database.transaction((userId: string): void => {
      statements.deleteRefreshTokensOfUser.run({ userId });
      statements.deleteRefreshFamiliesOfUser.run({ userId });
      statements.deleteApiKeysOfUser.run({ userId });
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
