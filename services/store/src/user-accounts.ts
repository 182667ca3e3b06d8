import {
  AppError,
  type ExternalIdentity,
  externalEmailKey,
  type NewExternalUser,
  normalizeEmail,
  type StoredUser,
} from "@chat/contracts";
import type { UserRecords } from "./user-records.ts";
import type { UserRepository } from "./user-repository.ts";

/**
 * The account rules, the same on every database: an email is its `normalizeEmail` key, so look-alike
 * emails are one email; an external user's key is made from its identity, so its email never counts
 * as taken; a taken email is AppError EMAIL_TAKEN; with `adminIfFirst`, the first user becomes admin.
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
}
