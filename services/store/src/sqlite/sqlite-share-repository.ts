import type { Database } from "bun:sqlite";
import type { SharedMessage, StoredShare } from "@chat/contracts";
import type { Page, PageRequest } from "../chat-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { checkLimit, decodeCursor, toPage, toSortableTimestamp } from "../page-cursor.ts";
import type { ShareListing, ShareRepository } from "../share-repository.ts";
import { prepareStatement } from "./prepare-statement.ts";

type ShareRow = {
  id: string;
  user_id: string;
  chat_id: string;
  title: string;
  model: string;
  created_at: string;
  message_count: number;
  truncated: number;
  messages: string;
};

type ListingRow = Omit<ShareRow, "user_id" | "model" | "truncated" | "messages">;

const listingColumns = "id, chat_id, title, created_at, message_count";

/**
 * The share links of the SQLite store: each snapshot's messages as one JSON column.
 *
 * @example
 * const shares = new SqliteShareRepository(database);
 */
export class SqliteShareRepository implements ShareRepository {
  private readonly statements: ReturnType<typeof prepareShareStatements>;

  constructor(
    database: Database,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.statements = prepareShareStatements(database);
  }

  async createShare(share: StoredShare): Promise<void> {
    this.statements.insert.run({
      id: share.id,
      userId: share.userId,
      chatId: share.chatId,
      title: this.cipher.seal("share.title", share.title),
      model: share.model,
      createdAt: toSortableTimestamp(share.createdAt),
      messageCount: share.messages.length,
      truncated: Number(share.truncated),
      messages: this.cipher.seal("share.messages", JSON.stringify(share.messages)),
    });
  }

  async findShare(shareId: string): Promise<StoredShare | null> {
    const row = this.statements.byId.get({ id: shareId });
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      chatId: row.chat_id,
      title: this.cipher.open("share.title", row.title),
      model: row.model,
      createdAt: row.created_at,
      truncated: row.truncated === 1,
      messages: JSON.parse(this.cipher.open("share.messages", row.messages)) as SharedMessage[],
    };
  }

  async listShares(userId: string, page: PageRequest): Promise<Page<ShareListing>> {
    checkLimit(page.limit, 1);
    const bindings = { userId, limit: page.limit + 1 };
    const rows =
      page.cursor === undefined
        ? this.statements.newest.all(bindings)
        : this.statements.before.all({ ...bindings, ...beforeBindings(page.cursor) });
    return toPage(
      rows.map((row) => toListing(row, this.cipher)),
      page.limit,
      (share) => ({ at: share.createdAt, id: share.id }),
    );
  }

  async deleteShare(userId: string, shareId: string): Promise<boolean> {
    return this.statements.delete.run({ id: shareId, userId }).changes > 0;
  }

  async deleteChatShares(chatId: string): Promise<number> {
    return this.statements.deleteOfChat.run({ chatId }).changes;
  }

  async eraseUserShares(userId: string): Promise<number> {
    return this.statements.deleteOfUser.run({ userId }).changes;
  }
}

function beforeBindings(cursor: string): { beforeAt: string; beforeId: string } {
  const key = decodeCursor(cursor);
  return { beforeAt: key.at, beforeId: key.id };
}

function toListing(row: ListingRow, cipher: FieldCipher): ShareListing {
  return {
    id: row.id,
    chatId: row.chat_id,
    title: cipher.open("share.title", row.title),
    createdAt: row.created_at,
    messageCount: row.message_count,
  };
}

function prepareShareStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insert: prepare(
      `INSERT INTO shares (id, user_id, chat_id, title, model, created_at, message_count, truncated, messages)
       VALUES ($id, $userId, $chatId, $title, $model, $createdAt, $messageCount, $truncated, $messages)
       ON CONFLICT (id) DO NOTHING`,
    ),
    byId: prepare<ShareRow>("SELECT * FROM shares WHERE id = $id"),
    newest: prepare<ListingRow>(
      `SELECT ${listingColumns} FROM shares WHERE user_id = $userId
       ORDER BY created_at DESC, id DESC LIMIT $limit`,
    ),
    before: prepare<ListingRow>(
      `SELECT ${listingColumns} FROM shares
       WHERE user_id = $userId AND (created_at, id) < ($beforeAt, $beforeId)
       ORDER BY created_at DESC, id DESC LIMIT $limit`,
    ),
    delete: prepare("DELETE FROM shares WHERE id = $id AND user_id = $userId"),
    deleteOfChat: prepare("DELETE FROM shares WHERE chat_id = $chatId"),
    deleteOfUser: prepare("DELETE FROM shares WHERE user_id = $userId"),
  };
}
