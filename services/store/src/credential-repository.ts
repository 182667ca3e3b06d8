import type {
  ApiKey,
  RefreshRotation,
  RefreshTokenSuccessor,
  StoredApiKey,
  StoredRefreshToken,
  StoredUser,
} from "@chat/contracts";

/**
 * The port of the credentials aggregate: API keys, refresh-token families and their rotation, and
 * the list of ended sign-ins. A key or family of another user behaves like one that does not exist.
 * Adapters: `SqliteCredentialRepository` and `MongoCredentialRepository`.
 */
export interface CredentialRepository {
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
   * Revokes every refresh family of the user not revoked yet, but `exceptFamilyId` (sign out
   * everywhere else), and answers their ids, so their access tokens can be ended as well.
   */
  revokeUserRefreshFamilies(userId: string, revokedAt: string, exceptFamilyId?: string): Promise<string[]>;
  /** Deletes the user's API keys and refresh-token families with their tokens (account deletion). */
  eraseUserCredentials(userId: string): Promise<void>;

  /**
   * Puts a sign-in (a refresh family's id) on the list of ended sign-ins until `expiresAt`; revoking it
   * again sets a new expiry. Entries expired by `revokedAt` may be deleted. The embedded mode keeps
   * the list here, so a restart does not bring signed-out access tokens back (with Redis, the list
   * lives in Redis).
   */
  revokeSignIn(signInId: string, revokedAt: string, expiresAt: string): Promise<void>;
  /** Whether the sign-in is on the list at `at`; entries past their expiry may be deleted. */
  isSignInRevoked(signInId: string, at: string): Promise<boolean>;
}
