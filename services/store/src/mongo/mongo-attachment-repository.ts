import type { AttachmentKind, StoredAttachment } from "@chat/contracts";
import type { Collection, Db } from "mongodb";
import type { AttachmentRepository } from "../attachment-repository.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";

/** An attachment; `_id` is its id. */
type AttachmentDocument = {
  _id: string;
  userId: string;
  chatId: string | null;
  name: string;
  kind: AttachmentKind;
  mediaType: string;
  size: number;
  storageKey: string;
  createdAt: string;
};

/**
 * The attachments of the MongoDB store.
 *
 * @example
 * const attachments = new MongoAttachmentRepository(database);
 */
export class MongoAttachmentRepository implements AttachmentRepository {
  private readonly attachments: Collection<AttachmentDocument>;

  constructor(
    database: Db,
    private readonly cipher: FieldCipher = FieldCipher.off,
  ) {
    this.attachments = database.collection<AttachmentDocument>("attachments");
  }

  /** Creates the indexes (creating an existing index is a no-op). */
  async init(): Promise<void> {
    await this.attachments.createIndexes([
      { key: { userId: 1 }, name: "by_owner" },
      { key: { chatId: 1 }, name: "by_chat" },
    ]);
  }

  async createAttachment(attachment: StoredAttachment, quotaBytes: number) {
    // Without transactions the check and the write are two steps (see the port).
    const usedBytes = await this.usedBytes(attachment.userId);
    if (usedBytes + attachment.size > quotaBytes) return { created: false, usedBytes };
    await this.attachments.insertOne(toDocument(attachment, this.cipher));
    return { created: true, usedBytes: usedBytes + attachment.size };
  }

  async findAttachment(userId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    const document = await this.attachments.findOne({ _id: attachmentId, userId });
    return document ? fromDocument(document, this.cipher) : undefined;
  }

  async deleteAttachment(userId: string, attachmentId: string): Promise<StoredAttachment | undefined> {
    const document = await this.attachments.findOneAndDelete({ _id: attachmentId, userId });
    return document ? fromDocument(document, this.cipher) : undefined;
  }

  async usedBytes(userId: string): Promise<number> {
    const [sum] = await this.attachments
      .aggregate<{ used: number }>([
        { $match: { userId } },
        { $group: { _id: null, used: { $sum: "$size" } } },
      ])
      .toArray();
    return sum?.used ?? 0;
  }

  async attachToChat(userId: string, chatId: string, ids: string[]): Promise<number> {
    await this.attachments.updateMany({ _id: { $in: ids }, userId, chatId: null }, { $set: { chatId } });
    return this.attachments.countDocuments({ _id: { $in: ids }, userId, chatId });
  }

  async chatAttachments(chatId: string): Promise<StoredAttachment[]> {
    return (await this.attachments.find({ chatId }).toArray()).map((document) =>
      fromDocument(document, this.cipher),
    );
  }

  async ownedAttachments(userId: string): Promise<StoredAttachment[]> {
    return (await this.attachments.find({ userId }).toArray()).map((document) =>
      fromDocument(document, this.cipher),
    );
  }

  async deleteChatAttachments(chatId: string): Promise<number> {
    return (await this.attachments.deleteMany({ chatId })).deletedCount;
  }
}

function toDocument(attachment: StoredAttachment, cipher: FieldCipher): AttachmentDocument {
  return {
    _id: attachment.id,
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

function fromDocument(document: AttachmentDocument, cipher: FieldCipher): StoredAttachment {
  return {
    id: document._id,
    userId: document.userId,
    chatId: document.chatId,
    name: cipher.open("attachment.name", document.name),
    kind: document.kind,
    mediaType: document.mediaType,
    size: document.size,
    storageKey: document.storageKey,
    createdAt: document.createdAt,
  };
}
