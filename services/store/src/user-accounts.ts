import {
  AppError,
  type ExternalIdentity,
  externalEmailKey,
  type NewExternalUser,
  normalizeEmail,
  type Role,
  type StoredUser,
} from "@chat/contracts";
import type { Page, PageRequest } from "./chat-repository.ts";
import { checkLimit, decodeCursor, type SortKey, toPage } from "./page-cursor.ts";
import type { UserRecords } from "./user-records.ts";
import type { RoleChangeResult, UserRepository } from "./user-repository.ts";

/** Users page oldest account first. */
function userSortKey(user: StoredUser): SortKey {
  return { at: user.createdAt, id: user.id };
}

/**
 * The account rules, the same on every database: an email is its `normalizeEmail` key, so look-alike
 * emails are one email; an external user's key is made from its identity, so its email never counts
 * as taken; a taken email is AppError EMAIL_TAKEN; with `adminIfFirst`, the first user becomes admin;
 * the last admin keeps the role (LAST_ADMIN).
 *
 * @example
 * const users = new UserAccounts(new SqliteUserRecords(database));
 * await users.createUser(user, { adminIfFirst: true });
 */
export class UserAccounts implements UserRepository {
  constructor(private readonly records: UserRecords) {}

  async createUser(user: StoredUser, options: { adminIfFirst?: boolean } = {}): Promise<StoredUser> {
    const roleIfFirst = options.adminIfFirst ? "admin" : undefined;
    const stored = await this.records.insertUser(user, normalizeEmail(user.email), roleIfFirst);
    if (!stored) throw new AppError("EMAIL_TAKEN", "This email is already registered");
    return stored;
  }

  findOrCreateExternalUser(identity: ExternalIdentity, user: NewExternalUser): Promise<StoredUser> {
    return this.records.findOrInsertExternalUser(identity, user, externalEmailKey(identity));
  }

  findUserByEmail(email: string): Promise<StoredUser | null> {
    return this.records.findUserByEmailKey(normalizeEmail(email));
  }

  findUserById(userId: string): Promise<StoredUser | null> {
    return this.records.findUserById(userId);
  }

  countUsers(): Promise<number> {
    return this.records.countUsers();
  }

  async listUsers(page: PageRequest): Promise<Page<StoredUser>> {
    checkLimit(page.limit, 1);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    return toPage(await this.records.listUsers(after, page.limit + 1), page.limit, userSortKey);
  }

  renameUser(userId: string, name: string): Promise<StoredUser | null> {
    return this.records.updateName(userId, name);
  }

  changePasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    return this.records.updatePasswordHash(userId, passwordHash);
  }

  async prepareDeletion(userId: string): Promise<void> {
    const user = await this.records.findUserById(userId);
    if (!user) throw new AppError("USER_NOT_FOUND", "User not found", { retryable: false });
    if (user.role === "admin") await this.changeRole(userId, "user");
  }

  deleteUser(userId: string): Promise<boolean> {
    return this.records.deleteUser(userId);
  }

  async changeRole(userId: string, role: Role): Promise<RoleChangeResult> {
    const update = await this.records.updateRole(userId, role);
    if (update.outcome === "not_found") {
      throw new AppError("USER_NOT_FOUND", "User not found", { retryable: false });
    }
    if (update.outcome === "last_admin") {
      throw new AppError("LAST_ADMIN", "This is the last admin: make another user admin first", {
        retryable: false,
      });
    }
    return {
      user: update.after,
      previousRole: update.before.role,
      changed: update.before.role !== update.after.role,
    };
  }
}
