import type { SharedMessage, StoredShare } from "@chat/contracts";
import type { Collection, Db, Filter } from "mongodb";
import type { Page, PageRequest } from "../chat-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { checkLimit, decodeCursor, toPage, toSortableTimestamp } from "../page-cursor.ts";
import type { ShareListing, ShareRepository } from "../share-repository.ts";
import { isDuplicateKey } from "./is-duplicate-key.ts";
import { openJson, sealJson } from "./mongo-chat-documents.ts";

/** A document of `shares`; `_id` is the share's id. */
type ShareDocument = {
  _id: string;
  userId: string;
  chatId: string;
  title: string;
  model: string;
  createdAt: Date;
  messageCount: number;
  truncated: boolean;
  /** The array itself while encryption is off, else its JSON sealed (see `sealJson`). */
  messages: SharedMessage[] | string;
};

const newestFirst = { createdAt: -1, _id: -1 } as const;

/**
 * The share links of the MongoDB store: one document per snapshot, its messages embedded (a
 * snapshot is at most MAX_SHARED_MESSAGES messages of at most 32 000 characters each).
 *
 * @example
 * const shares = new MongoShareRepository(database);
 * await shares.init();
 */
export class MongoShareRepository implements ShareRepository {
  private readonly shares: Collection<ShareDocument>;

  constructor(
    database: Db,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.shares = database.collection<ShareDocument>("shares");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await this.shares.createIndexes([
      { key: { userId: 1, ...newestFirst }, name: "by_owner_time" },
      { key: { chatId: 1 }, name: "by_chat" },
    ]);
  }

  async createShare(share: StoredShare): Promise<void> {
    try {
      await this.shares.insertOne({
        _id: share.id,
        userId: share.userId,
        chatId: share.chatId,
        title: this.cipher.seal("share.title", share.title),
        model: share.model,
        createdAt: new Date(toSortableTimestamp(share.createdAt)),
        messageCount: share.messages.length,
        truncated: share.truncated,
        messages: sealJson(this.cipher, "share.messages", share.messages),
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async findShare(shareId: string): Promise<StoredShare | null> {
    const document = await this.shares.findOne({ _id: shareId });
    if (!document) return null;
    return {
      id: document._id,
      userId: document.userId,
      chatId: document.chatId,
      title: this.cipher.open("share.title", document.title),
      model: document.model,
      createdAt: document.createdAt.toISOString(),
      truncated: document.truncated,
      messages: openJson(this.cipher, "share.messages", document.messages),
    };
  }

  async listShares(userId: string, page: PageRequest): Promise<Page<ShareListing>> {
    checkLimit(page.limit, 1);
    const query: Filter<ShareDocument> = { userId };
    if (page.cursor !== undefined) {
      const before = decodeCursor(page.cursor);
      const at = new Date(before.at);
      query.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: before.id } }];
    }
    const documents = await this.shares
      .find(query, { projection: { messages: 0 } })
      .sort(newestFirst)
      .limit(page.limit + 1)
      .toArray();
    const listings = documents.map((document) => ({
      id: document._id,
      chatId: document.chatId,
      title: this.cipher.open("share.title", document.title),
      createdAt: document.createdAt.toISOString(),
      messageCount: document.messageCount,
    }));
    return toPage(listings, page.limit, (share) => ({ at: share.createdAt, id: share.id }));
  }

  async deleteShare(userId: string, shareId: string): Promise<boolean> {
    return (await this.shares.deleteOne({ _id: shareId, userId })).deletedCount === 1;
  }

  async deleteChatShares(chatId: string): Promise<number> {
    return (await this.shares.deleteMany({ chatId })).deletedCount;
  }

  async eraseUserShares(userId: string): Promise<number> {
    return (await this.shares.deleteMany({ userId })).deletedCount;
  }
}
