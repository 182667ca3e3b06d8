import type { AttachmentRepository } from "./attachment-repository.ts";
import type { AuditLogRepository } from "./audit-log-repository.ts";
import type { ChatProjectRepository } from "./chat-project-repository.ts";
import type { ChatRepository } from "./chat-repository.ts";
import type { ConsoleRepository } from "./console-repository.ts";
import type { CredentialRepository } from "./credential-repository.ts";
import type { EncryptedRecords } from "./encryption/encrypted-records.ts";
import type { NotificationRepository } from "./notification-repository.ts";
import type { ShareRepository } from "./share-repository.ts";
import type { UsageRepository } from "./usage-repository.ts";
import type { UserRepository } from "./user-repository.ts";

/**
 * The store's database: one port per aggregate, opened and closed together. Adapters: `SqliteStore`
 * (embedded default) and `MongoStore`.
 *
 * @example
 * const store = new SqliteStore({ path: ":memory:" });
 * await store.chats.createChat({ id: "c1", userId: "u1", title: "New chat", model: "demo", createdAt });
 */
export interface StoreRepositories {
  readonly users: UserRepository;
  readonly credentials: CredentialRepository;
  readonly chats: ChatRepository;
  readonly chatProjects: ChatProjectRepository;
  readonly usage: UsageRepository;
  readonly attachments: AttachmentRepository;
  readonly auditLog: AuditLogRepository;
  readonly notifications: NotificationRepository;
  readonly shares: ShareRepository;
  readonly console: ConsoleRepository;
  /** Every value encrypted at rest, for the re-encryption sweep and the start-up key check. */
  readonly encryption: EncryptedRecords;
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
