import type { ExternalIdentity, NewExternalUser, Role, StoredUser } from "@chat/contracts";
import type { Page, PageRequest } from "./chat-repository.ts";

/** A role given: the user as stored now, the role before, and whether that changed anything. */
export type RoleChangeResult = { user: StoredUser; previousRole: Role; changed: boolean };

/**
 * The port of the users aggregate: local users and the users of external identities, found by id or
 * by email under the email rules of `@chat/contracts` (`normalizeEmail`). Implemented once, by
 * `UserAccounts`, over an adapter's `UserRecords`.
 */
export interface UserRepository {
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
  /** Every user, oldest account first (then by id), a page at a time. */
  listUsers(page: PageRequest): Promise<Page<StoredUser>>;
  /**
   * Gives the user `role`. Throws AppError USER_NOT_FOUND for an unknown user, and LAST_ADMIN when
   * the user is the last one stored as admin and `role` is not admin, decided by the write itself:
   * of two admins demoting each other at once, at most one succeeds.
   */
  changeRole(userId: string, role: Role): Promise<RoleChangeResult>;
  /** Stores the user's display name; the user as stored now, or null for an unknown user. */
  renameUser(userId: string, name: string): Promise<StoredUser | null>;
  /**
   * Stores a new password hash; false when the user is unknown or has no password here (the user
   * of an external identity).
   */
  changePasswordHash(userId: string, passwordHash: string): Promise<boolean>;
  /**
   * Takes the admin role from the user ahead of deleting the account: throws LAST_ADMIN when the
   * user is the last admin (the same decision as `changeRole`), USER_NOT_FOUND for an unknown user.
   */
  prepareDeletion(userId: string): Promise<void>;
  /** Deletes the user's row (the rest of the account goes first); false when there was none. */
  deleteUser(userId: string): Promise<boolean>;
}
