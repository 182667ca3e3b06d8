import type { ExternalIdentity, NewExternalUser, Role, StoredUser } from "@chat/contracts";
import type { SortKey } from "./page-cursor.ts";

/** What `updateRole` found: the user before and after, or why nothing was written. */
export type RoleUpdate =
  | { outcome: "updated"; before: StoredUser; after: StoredUser }
  | { outcome: "not_found" }
  | { outcome: "last_admin" };

/**
 * What a database adapter does for `UserAccounts`: it stores and finds users by their email key (the
 * key is made by `UserAccounts`, never by the adapter) and makes each decision in one write.
 * Adapters: `SqliteUserRecords` and `MongoUserRecords`.
 */
export interface UserRecords {
  /**
   * Stores the user under `emailKey` and returns it as stored, or null when another user has that
   * key. With `roleIfFirst`, that is the role when no user exists yet, decided by the write itself:
   * of two first users at once, one gets it.
   */
  insertUser(
    user: StoredUser,
    emailKey: string,
    roleIfFirst?: StoredUser["role"],
  ): Promise<StoredUser | null>;
  /**
   * The user of the identity: stored from `user` under `emailKey` on first sight, the stored one
   * afterwards. Concurrent first sights store one user.
   */
  findOrInsertExternalUser(
    identity: ExternalIdentity,
    user: NewExternalUser,
    emailKey: string,
  ): Promise<StoredUser>;
  findUserByEmailKey(emailKey: string): Promise<StoredUser | null>;
  findUserById(userId: string): Promise<StoredUser | null>;
  countUsers(): Promise<number>;
  /** Up to `limit` users after `after` in (createdAt, id) order; from the first without it. */
  listUsers(after: SortKey | undefined, limit: number): Promise<StoredUser[]>;
  /**
   * Stores `role` for the user, unless that would leave no user stored as admin (`last_admin`):
   * the check and the write are one decision, so concurrent demotions cannot both pass it.
   */
  updateRole(userId: string, role: Role): Promise<RoleUpdate>;
  /** Stores the user's display name; the user as stored now, or null when there is none. */
  updateName(userId: string, name: string): Promise<StoredUser | null>;
  /** Stores a new password hash for a local user; false when no local user has that id. */
  updatePasswordHash(userId: string, passwordHash: string): Promise<boolean>;
  /** Deletes the user's row; false when there was none. */
  deleteUser(userId: string): Promise<boolean>;
}
