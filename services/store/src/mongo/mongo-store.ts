import { type Db, MongoClient } from "mongodb";
import { FieldCipher } from "../encryption/field-cipher.ts";
import type { StoreRepositories } from "../store-repositories.ts";
import { UserAccounts } from "../user-accounts.ts";
import { MongoAttachmentRepository } from "./mongo-attachment-repository.ts";
import { MongoAuditLog } from "./mongo-audit-log.ts";
import { MongoChatProjectRepository } from "./mongo-chat-project-repository.ts";
import { MongoChatRepository } from "./mongo-chat-repository.ts";
import { MongoConsoleRepository } from "./mongo-console-repository.ts";
import { MongoCredentialRepository } from "./mongo-credential-repository.ts";
import { MongoEncryptedRecords } from "./mongo-encrypted-records.ts";
import { MongoNotificationRepository } from "./mongo-notification-repository.ts";
import { MongoShareRepository } from "./mongo-share-repository.ts";
import { MongoUsageRepository } from "./mongo-usage-repository.ts";
import { MongoUserRecords } from "./mongo-user-records.ts";

const readinessTimeoutMilliseconds = 2_000;

/**
 * The production store on MongoDB through the official driver. It works on a single node (no
 * replica set, so no transactions): every write is one document write, ordered so that a crash
 * between two of them is repaired by the retry that follows.
 *
 * @example
 * const store = new MongoStore({ url: process.env.MONGODB_URL, databaseName: "chat" });
 * await store.init();
 */
export class MongoStore implements StoreRepositories {
  readonly users: UserAccounts;
  readonly credentials: MongoCredentialRepository;
  readonly chats: MongoChatRepository;
  readonly chatProjects: MongoChatProjectRepository;
  readonly usage: MongoUsageRepository;
  readonly attachments: MongoAttachmentRepository;
  readonly auditLog: MongoAuditLog;
  readonly shares: MongoShareRepository;
  readonly notifications: MongoNotificationRepository;
  readonly console: MongoConsoleRepository;
  readonly encryption: MongoEncryptedRecords;
  private readonly client: MongoClient;
  private readonly database: Db;
  private readonly userRecords: MongoUserRecords;

  /** `cipher`: encryption at rest (off when absent). */
  constructor(options: { url: string; databaseName: string; cipher?: FieldCipher }) {
    const cipher = options.cipher ?? FieldCipher.off;
    this.client = new MongoClient(options.url);
    this.database = this.client.db(options.databaseName);
    this.userRecords = new MongoUserRecords(this.database);
    this.users = new UserAccounts(this.userRecords);
    this.credentials = new MongoCredentialRepository(this.database);
    this.chats = new MongoChatRepository(this.database, cipher);
    this.chatProjects = new MongoChatProjectRepository(this.database, cipher);
    this.usage = new MongoUsageRepository(this.database);
    this.attachments = new MongoAttachmentRepository(this.database, cipher);
    this.auditLog = new MongoAuditLog(this.database);
    this.shares = new MongoShareRepository(this.database, cipher);
    this.notifications = new MongoNotificationRepository(this.database);
    this.console = new MongoConsoleRepository(this.database, cipher);
    this.encryption = new MongoEncryptedRecords(this.database, cipher);
  }

  /** Connects and creates the indexes (creating an existing index is a no-op). Call once before use. */
  async init(): Promise<void> {
    await this.client.connect();
    await Promise.all([
      this.userRecords.init(),
      this.credentials.init(),
      this.chats.init(),
      this.chatProjects.init(),
      this.usage.init(),
      this.attachments.init(),
      this.auditLog.init(),
      this.shares.init(),
      this.notifications.init(),
      this.console.init(),
    ]);
  }

  /** Drops the whole database; for tests that made one of their own. */
  async dropDatabase(): Promise<void> {
    await this.database.dropDatabase();
  }

  async isReady(): Promise<boolean> {
    try {
      await this.database.command({ ping: 1 }, { signal: AbortSignal.timeout(readinessTimeoutMilliseconds) });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
