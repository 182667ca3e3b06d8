import type { Database } from "bun:sqlite";
import type { AttachmentKind, StoredAttachment } from "@chat/contracts";
import type { AttachmentRepository } from "../attachment-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { prepareStatement } from "./prepare-statement.ts";

type AttachmentRow = {
  id: string;
  user_id: string;
  chat_id: string | null;
  name: string;
  kind: string;
  media_type: string;
  size: number;
  storage_key: string;
  created_at: string;
};

/**
 * The attachments of the SQLite store.
 *
 * @example
 * const attachments = new SqliteAttachmentRepository(database);
 */
export class SqliteAttachmentRepository implements AttachmentRepository {
  private readonly statements: ReturnType<typeof prepareAttachmentStatements>;
  private readonly createWithinQuota: ReturnType<typeof prepareQuotaTransaction>;

  constructor(
    database: Database,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.statements = prepareAttachmentStatements(database);
    this.createWithinQuota = prepareQuotaTransaction(database, this.statements, cipher);
  }

  async createAttachment(attachment: StoredAttachment, quotaBytes: number) {
    return this.createWithinQuota.immediate(attachment, quotaBytes);
  }

  async findAttachment(userId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    const row = this.statements.find.get({ userId, id: attachmentId });
    return row ? fromRow(row, this.cipher) : undefined;
  }

  async deleteAttachment(userId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    const row = this.statements.delete.get({ userId, id: attachmentId });
    return row ? fromRow(row, this.cipher) : undefined;
  }

  async usedBytes(userId: string): Promise<number> {
    return this.statements.usedBytes.get({ userId })?.used ?? 0;
  }

  async attachToChat(userId: string, chatId: string, ids: string[]): Promise<number> {
    let attached = 0;
    for (const id of ids) attached += this.statements.attach.run({ id, userId, chatId }).changes;
    return attached;
  }

  async chatAttachments(chatId: string): Promise<StoredAttachment[]> {
    return this.statements.ofChat.all({ chatId }).map((row) => fromRow(row, this.cipher));
  }

  async ownedAttachments(userId: string): Promise<StoredAttachment[]> {
    return this.statements.ofOwner.all({ userId }).map((row) => fromRow(row, this.cipher));
  }

  async deleteChatAttachments(chatId: string): Promise<number> {
    return this.statements.deleteOfChat.run({ chatId }).changes;
  }
}

function prepareAttachmentStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insert: prepare(
      `INSERT INTO attachments (id, user_id, chat_id, name, kind, media_type, size, storage_key, created_at)
       VALUES ($id, $userId, $chatId, $name, $kind, $mediaType, $size, $storageKey, $createdAt)`,
    ),
    find: prepare<AttachmentRow>("SELECT * FROM attachments WHERE id = $id AND user_id = $userId"),
    delete: prepare<AttachmentRow>(
      "DELETE FROM attachments WHERE id = $id AND user_id = $userId RETURNING *",
    ),
    attach: prepare(
      `UPDATE attachments SET chat_id = $chatId
       WHERE id = $id AND user_id = $userId AND (chat_id IS NULL OR chat_id = $chatId)`,
    ),
    ofChat: prepare<AttachmentRow>("SELECT * FROM attachments WHERE chat_id = $chatId"),
    ofOwner: prepare<AttachmentRow>("SELECT * FROM attachments WHERE user_id = $userId"),
    deleteOfChat: prepare("DELETE FROM attachments WHERE chat_id = $chatId"),
    usedBytes: prepare<{ used: number }>(
      "SELECT coalesce(sum(size), 0) AS used FROM attachments WHERE user_id = $userId",
    ),
  };
}

// IMMEDIATE takes the write lock before the sum, so two uploads at once cannot both pass a nearly
// full quota.
function prepareQuotaTransaction(
  database: Database,
  statements: ReturnType<typeof prepareAttachmentStatements>,
  cipher: FieldCipher,
) {
  return database.transaction((attachment: StoredAttachment, quotaBytes: number) => {
    const usedBytes = statements.usedBytes.get({ userId: attachment.userId })?.used ?? 0;
    if (usedBytes + attachment.size > quotaBytes) return { created: false, usedBytes };
    statements.insert.run(toBindings(attachment, cipher));
    return { created: true, usedBytes: usedBytes + attachment.size };
  });
}

function toBindings(attachment: StoredAttachment, cipher: FieldCipher) {
  return {
    id: attachment.id,
    userId: attachment.userId,
    chatId: attachment.chatId,
    name: cipher.seal("attachment.name", attachment.name),
    kind: attachment.kind,
    mediaType: attachment.mediaType,
    size: attachment.size,
    storageKey: attachment.storageKey,
    createdAt: attachment.createdAt,
  };
}

function fromRow(row: AttachmentRow, cipher: FieldCipher): StoredAttachment {
  return {
    id: row.id,
    userId: row.user_id,
    chatId: row.chat_id,
    name: cipher.open("attachment.name", row.name),
    kind: row.kind as AttachmentKind,
    mediaType: row.media_type,
    size: row.size,
    storageKey: row.storage_key,
    createdAt: row.created_at,
  };
}
