import { Database } from "bun:sqlite";
import { FieldCipher } from "../encryption/field-cipher.ts";
import type { StoreRepositories } from "../store-repositories.ts";
import { UserAccounts } from "../user-accounts.ts";
import { SqliteAttachmentRepository } from "./sqlite-attachment-repository.ts";
import { SqliteAuditLog } from "./sqlite-audit-log.ts";
import { SqliteChatProjectRepository } from "./sqlite-chat-project-repository.ts";
import { SqliteChatRepository } from "./sqlite-chat-repository.ts";
import { SqliteConsoleRepository } from "./sqlite-console-repository.ts";
import { SqliteCredentialRepository } from "./sqlite-credential-repository.ts";
import { SqliteEncryptedRecords } from "./sqlite-encrypted-records.ts";
import { migrate, readSchemaVersion } from "./sqlite-migrations.ts";
import { SqliteNotificationRepository } from "./sqlite-notification-repository.ts";
import { SqliteShareRepository } from "./sqlite-share-repository.ts";
import { SqliteUsageRepository } from "./sqlite-usage-repository.ts";
import { normalizeLegacyEmailKeys, SqliteUserRecords } from "./sqlite-user-records.ts";

/**
 * The embedded store: one SQLite file (or `":memory:"`) through `bun:sqlite`, in WAL mode so readers
 * never wait for the writer. Several processes may share the file; `busy_timeout` makes a writer
 * wait for the lock instead of failing.
 *
 * @example
 * const store = new SqliteStore({ path: "./data/chat.sqlite" });
 * await store.chats.createChat({ id: "c1", userId: "u1", title: "New chat", model: "demo", createdAt });
 */
export class SqliteStore implements StoreRepositories {
  readonly users: UserAccounts;
  readonly credentials: SqliteCredentialRepository;
  readonly chats: SqliteChatRepository;
  readonly chatProjects: SqliteChatProjectRepository;
  readonly usage: SqliteUsageRepository;
  readonly attachments: SqliteAttachmentRepository;
  readonly auditLog: SqliteAuditLog;
  readonly shares: SqliteShareRepository;
  readonly notifications: SqliteNotificationRepository;
  readonly console: SqliteConsoleRepository;
  readonly encryption: SqliteEncryptedRecords;
  private readonly database: Database;

  /**
   * `synchronous`: NORMAL (the default) writes each commit to the WAL without waiting for the disk,
   * so a committed write survives a crash or kill of any process, and a power loss can lose the
   * last moments but never corrupts; FULL also waits for the disk at every commit (on this
   * machine's disk 0.34 ms and 186 µs of CPU per commit, against 0.05 ms and 47 µs).
   */
  constructor(options: { path: string; synchronous?: "NORMAL" | "FULL"; cipher?: FieldCipher }) {
    const cipher = options.cipher ?? FieldCipher.off;
    this.database = new Database(options.path, { create: true, strict: true });
    this.database.run("PRAGMA busy_timeout = 5000");
    this.database.run("PRAGMA journal_mode = WAL");
    this.database.run(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`);
    this.database.run("PRAGMA foreign_keys = ON");
    migrate(this.database);
    normalizeLegacyEmailKeys(this.database);
    this.users = new UserAccounts(new SqliteUserRecords(this.database));
    this.credentials = new SqliteCredentialRepository(this.database);
    this.chats = new SqliteChatRepository(this.database, cipher);
    this.chatProjects = new SqliteChatProjectRepository(this.database, cipher);
    this.usage = new SqliteUsageRepository(this.database);
    this.attachments = new SqliteAttachmentRepository(this.database, cipher);
    this.auditLog = new SqliteAuditLog(this.database);
    this.shares = new SqliteShareRepository(this.database, cipher);
    this.notifications = new SqliteNotificationRepository(this.database);
    this.console = new SqliteConsoleRepository(this.database, cipher);
    this.encryption = new SqliteEncryptedRecords(this.database, cipher);
  }

  /** The schema version of the open database: how many migrations it has. */
  get schemaVersion(): number {
    return readSchemaVersion(this.database);
  }

  async isReady(): Promise<boolean> {
    try {
      this.database.query("SELECT 1").get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Without `true` the prepared statements would keep the connection, and the file, open.
    this.database.close(true);
  }
}
