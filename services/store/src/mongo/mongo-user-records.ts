import {
  type ExternalIdentity,
  type NewExternalUser,
  normalizeEmail,
  type Role,
  type StoredUser,
} from "@chat/contracts";
import type { Collection, Db, Filter } from "mongodb";
import type { SortKey } from "../page-cursor.ts";
import type { RoleUpdate, UserRecords } from "../user-records.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";

/** A document of `users`. */
export type UserDocument = {
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

const firstAccountClaim = "first-account";

/**
 * The users collection of the MongoDB store, for `UserAccounts`.
 *
 * @example
 * const users = new UserAccounts(new MongoUserRecords(database));
 */
export class MongoUserRecords implements UserRecords {
  private readonly users: Collection<UserDocument>;
  private readonly claims: Collection<ClaimDocument>;

  constructor(database: Db) {
    this.users = database.collection<UserDocument>("users");
    this.claims = database.collection<ClaimDocument>("claims");
  }

  /** Creates the indexes (creating an existing index is a no-op) and re-keys legacy email keys. */
  async init(): Promise<void> {
    await this.users.createIndexes([
      { key: { emailNormalized: 1 }, name: "email_unique", unique: true },
      { key: { createdAt: 1, _id: 1 }, name: "by_creation" },
      { key: { role: 1 }, name: "by_role" },
      {
        key: { externalIssuer: 1, externalSubject: 1 },
        name: "external_identity_unique",
        unique: true,
        partialFilterExpression: { externalIssuer: { $type: "string" } },
      },
    ]);
    await this.normalizeLegacyEmailKeys();
  }

  async insertUser(
    user: StoredUser,
    emailKey: string,
    roleIfFirst?: StoredUser["role"],
  ): Promise<StoredUser | null> {
    // Without transactions, "first" is whoever creates the one `first-account` claim; only tried
    // while no user exists, so a database that has users never makes a new first user this way.
    const claimed =
      roleIfFirst !== undefined &&
      (await this.users.countDocuments({}, { limit: 1 })) === 0 &&
      (await this.claimFirstAccount(user.id));
    const document: UserDocument = {
      _id: user.id,
      email: user.email,
      emailNormalized: emailKey,
      name: user.name,
      role: claimed && roleIfFirst !== undefined ? roleIfFirst : user.role,
      passwordHash: user.passwordHash,
      createdAt: user.createdAt,
    };
    try {
      await this.users.insertOne(document);
      return toStoredUser(document);
    } catch (error) {
      // The claim goes back, so that the account that does get created first can take it.
      if (claimed) await this.claims.deleteOne({ _id: firstAccountClaim, userId: user.id });
      if (
        isDuplicateKey(error) &&
        (await this.users.countDocuments({ emailNormalized: emailKey }, { limit: 1 })) > 0
      )
        return null;
      throw error;
    }
  }

  async findOrInsertExternalUser(
    identity: ExternalIdentity,
    user: NewExternalUser,
    emailKey: string,
  ): Promise<StoredUser> {
    const filter = { externalIssuer: identity.issuer, externalSubject: identity.subject };
    try {
      const document = await this.users.findOneAndUpdate(
        filter,
        {
          $setOnInsert: {
            _id: user.id,
            email: user.email,
            emailNormalized: emailKey,
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

  async findUserByEmailKey(emailKey: string): Promise<StoredUser | null> {
    const document = await this.users.findOne({ emailNormalized: emailKey });
    return document ? toStoredUser(document) : null;
  }

  async findUserById(userId: string): Promise<StoredUser | null> {
    const document = await this.users.findOne({ _id: userId });
    return document ? toStoredUser(document) : null;
  }

  async countUsers(): Promise<number> {
    return this.users.countDocuments();
  }

  async listUsers(after: SortKey | undefined, limit: number): Promise<StoredUser[]> {
    const filter: Filter<UserDocument> =
      after === undefined
        ? {}
        : { $or: [{ createdAt: { $gt: after.at } }, { createdAt: after.at, _id: { $gt: after.id } }] };
    const documents = await this.users.find(filter).sort({ createdAt: 1, _id: 1 }).limit(limit).toArray();
    return documents.map(toStoredUser);
  }

  async updateName(userId: string, name: string): Promise<StoredUser | null> {
    const after = await this.users.findOneAndUpdate(
      { _id: userId },
      { $set: { name } },
      { returnDocument: "after" },
    );
    return after ? toStoredUser(after) : null;
  }

  async updatePasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    const result = await this.users.updateOne(
      { _id: userId, externalIssuer: { $exists: false } },
      { $set: { passwordHash } },
    );
    return result.matchedCount === 1;
  }

  async deleteUser(userId: string): Promise<boolean> {
    return (await this.users.deleteOne({ _id: userId })).deletedCount === 1;
  }

  async updateRole(userId: string, role: Role): Promise<RoleUpdate> {
    const before = await this.users.findOneAndUpdate(
      { _id: userId },
      { $set: { role } },
      { returnDocument: "before" },
    );
    if (!before) return { outcome: "not_found" };
    // Without transactions the demotion is written first and then checked: when it left no admin,
    // it is undone. Of two admins demoting each other at once, each sees the other's write, so at
    // worst both are undone (and tried again), never both kept.
    if (before.role === "admin" && role !== "admin") {
      if ((await this.users.countDocuments({ role: "admin" }, { limit: 1 })) === 0) {
        await this.users.updateOne({ _id: userId, role }, { $set: { role: "admin" } });
        return { outcome: "last_admin" };
      }
    }
    return { outcome: "updated", before: toStoredUser(before), after: toStoredUser({ ...before, role }) };
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
}

/** The user of a `users` document. */
export function toStoredUser(document: UserDocument): StoredUser {
  return {
    id: document._id,
    email: document.email,
    name: document.name,
    role: document.role,
    passwordHash: document.passwordHash,
    createdAt: document.createdAt,
  };
}
