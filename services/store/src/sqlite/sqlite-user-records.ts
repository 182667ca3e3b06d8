import { type Database, SQLiteError } from "bun:sqlite";
import {
  type ExternalIdentity,
  type NewExternalUser,
  normalizeEmail,
  type Role,
  type StoredUser,
} from "@chat/contracts";
import type { SortKey } from "../page-cursor.ts";
import type { RoleUpdate, UserRecords } from "../user-records.ts";
import { prepareStatement } from "./prepare-statement.ts";

/** A row of `users`. */
export type UserRow = {
  id: string;
  email: string;
  name: string;
  role: StoredUser["role"];
  password_hash: string;
  created_at: string;
};

/** The columns of a `UserRow`. */
export const userColumns = "id, email, name, role, password_hash, created_at";

/**
 * The users table of the SQLite store, for `UserAccounts`.
 *
 * @example
 * const users = new UserAccounts(new SqliteUserRecords(database));
 */
export class SqliteUserRecords implements UserRecords {
  private readonly statements: ReturnType<typeof prepareUserStatements>;
  private readonly updateRoleOnce: (userId: string, role: Role) => RoleUpdate;

  constructor(database: Database) {
    const statements = prepareUserStatements(database);
    this.statements = statements;
    // IMMEDIATE: the write lock is taken before the admins are counted, so two processes sharing
    // the file cannot both demote one of the last two admins.
    const updateRole = database.transaction((userId: string, role: Role): RoleUpdate => {
      const before = statements.userById.get({ userId });
      if (!before) return { outcome: "not_found" };
      const admins = statements.countAdmins.get()?.count ?? 0;
      if (before.role === "admin" && role !== "admin" && admins <= 1) return { outcome: "last_admin" };
      statements.updateRole.run({ userId, role });
      return { outcome: "updated", before: toStoredUser(before), after: toStoredUser({ ...before, role }) };
    });
    this.updateRoleOnce = (userId, role) => updateRole.immediate(userId, role);
  }

  async insertUser(
    user: StoredUser,
    emailKey: string,
    roleIfFirst?: StoredUser["role"],
  ): Promise<StoredUser | null> {
    try {
      // One statement: the check for other users and the insert cannot be separated by another write.
      const row = this.statements.insertUser.get({
        id: user.id,
        email: user.email,
        emailNormalized: emailKey,
        name: user.name,
        role: user.role,
        roleIfFirst: roleIfFirst ?? null,
        passwordHash: user.passwordHash,
        createdAt: user.createdAt,
      });
      if (!row) throw new Error("The user was not stored");
      return toStoredUser(row);
    } catch (error) {
      if (error instanceof SQLiteError && error.message.includes("users.email_normalized")) return null;
      throw error;
    }
  }

  async findOrInsertExternalUser(
    identity: ExternalIdentity,
    user: NewExternalUser,
    emailKey: string,
  ): Promise<StoredUser> {
    const bindings = { issuer: identity.issuer, subject: identity.subject };
    this.statements.insertExternalUser.run({
      ...bindings,
      id: user.id,
      email: user.email,
      emailNormalized: emailKey,
      name: user.name,
      role: user.role,
      createdAt: user.createdAt,
    });
    const row = this.statements.userByExternalIdentity.get(bindings);
    if (!row) throw new Error("The external user was not stored");
    return toStoredUser(row);
  }

  async findUserByEmailKey(emailKey: string): Promise<StoredUser | null> {
    const row = this.statements.userByEmail.get({ emailNormalized: emailKey });
    return row ? toStoredUser(row) : null;
  }

  async findUserById(userId: string): Promise<StoredUser | null> {
    const row = this.statements.userById.get({ userId });
    return row ? toStoredUser(row) : null;
  }

  async countUsers(): Promise<number> {
    return this.statements.countUsers.get()?.count ?? 0;
  }

  async listUsers(after: SortKey | undefined, limit: number): Promise<StoredUser[]> {
    const rows =
      after === undefined
        ? this.statements.firstUsers.all({ limit })
        : this.statements.usersAfter.all({ limit, afterAt: after.at, afterId: after.id });
    return rows.map(toStoredUser);
  }

  async updateRole(userId: string, role: Role): Promise<RoleUpdate> {
    return this.updateRoleOnce(userId, role);
  }

  async updateName(userId: string, name: string): Promise<StoredUser | null> {
    const row = this.statements.updateName.get({ userId, name });
    return row ? toStoredUser(row) : null;
  }

  async updatePasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    return this.statements.updatePasswordHash.run({ userId, passwordHash }).changes > 0;
  }

  async deleteUser(userId: string): Promise<boolean> {
    return this.statements.deleteUser.run({ userId }).changes > 0;
  }
}

/**
 * Re-keys local users stored when the email key was only lower case, so that `normalizeEmail`
 * finds them and their look-alikes count as taken. Only a key outside printable ASCII or ending
 * in a dot can differ, so the rest is not read. When two old accounts meet under the new key, the
 * older keeps it and the other keeps its old key.
 */
export function normalizeLegacyEmailKeys(database: Database): void {
  const candidates = database
    .query<{ id: string; email: string; key: string }, []>(
      `SELECT id, email, email_normalized AS key FROM users
       WHERE external_issuer IS NULL AND (email_normalized GLOB '*[^ -~]*' OR email_normalized GLOB '*.')
       ORDER BY created_at, id`,
    )
    .all();
  const rekey = database.query("UPDATE OR IGNORE users SET email_normalized = $key WHERE id = $id");
  for (const user of candidates) {
    const key = normalizeEmail(user.email);
    if (key !== user.key) rekey.run({ key, id: user.id });
  }
}

/** The user of a `users` row. */
export function toStoredUser(row: UserRow): StoredUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

function prepareUserStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insertUser: prepare<UserRow>(
      `INSERT INTO users (id, email, email_normalized, name, role, password_hash, created_at)
       SELECT $id, $email, $emailNormalized, $name,
         CASE WHEN $roleIfFirst IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users) THEN $roleIfFirst ELSE $role END,
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
    countAdmins: prepare<{ count: number }>("SELECT count(*) AS count FROM users WHERE role = 'admin'"),
    updateRole: prepare("UPDATE users SET role = $role WHERE id = $userId"),
    updateName: prepare<UserRow>(`UPDATE users SET name = $name WHERE id = $userId RETURNING ${userColumns}`),
    updatePasswordHash: prepare(
      "UPDATE users SET password_hash = $passwordHash WHERE id = $userId AND external_issuer IS NULL",
    ),
    deleteUser: prepare("DELETE FROM users WHERE id = $userId"),
    firstUsers: prepare<UserRow>(`SELECT ${userColumns} FROM users ORDER BY created_at, id LIMIT $limit`),
    usersAfter: prepare<UserRow>(
      `SELECT ${userColumns} FROM users WHERE (created_at, id) > ($afterAt, $afterId)
       ORDER BY created_at, id LIMIT $limit`,
    ),
  };
}
