import type { StoredAttachment } from "@chat/contracts";

/**
 * The port of the attachment aggregate: uploaded files' metadata, each owned by one user. Every
 * read and write names the owner, so another user's attachment id finds nothing. The bytes live in
 * the `ObjectStorage` under `storageKey`; whoever deletes a row deletes its object.
 * Adapters: `SqliteAttachmentRepository` and `MongoAttachmentRepository`.
 */
export interface AttachmentRepository {
  /**
   * Adds an attachment unless it would take its owner's attachments past `quotaBytes` together.
   * `usedBytes` is the owner's total after the write (or without it, when refused). The MongoDB
   * adapter checks and writes in two steps, so two uploads at once may both pass a nearly full quota.
   */
  createAttachment(
    attachment: StoredAttachment,
    quotaBytes: number,
  ): Promise<{ created: boolean; usedBytes: number }>;
  /** The user's attachment of that id, or undefined. */
  findAttachment(userId: string, attachmentId: string): Promise<StoredAttachment | undefined>;
  /** Deletes the user's attachment and returns it, or undefined when the user has none of that id. */
  deleteAttachment(userId: string, attachmentId: string): Promise<StoredAttachment | undefined>;
  /** The bytes the user's attachments hold together. */
  usedBytes(userId: string): Promise<number>;
  /**
   * Marks the user's attachments `ids` as sent in `chatId`, unless they were sent in another chat
   * already (a row never moves between chats); returns how many are now the chat's.
   */
  attachToChat(userId: string, chatId: string, ids: string[]): Promise<number>;
  /** The attachments sent in the chat, so their objects can be deleted before their rows. */
  chatAttachments(chatId: string): Promise<StoredAttachment[]>;
  /** Every attachment the user owns, sent or not, so an account's objects can go before its rows. */
  ownedAttachments(userId: string): Promise<StoredAttachment[]>;
  /** Deletes the rows of the chat's attachments; returns how many. */
  deleteChatAttachments(chatId: string): Promise<number>;
}
