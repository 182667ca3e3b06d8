import type { StoredShare } from "@chat/contracts";
import type { Page, PageRequest } from "./chat-repository.ts";

/** A share link as its owner's list shows it. */
export type ShareListing = {
  id: string;
  chatId: string;
  title: string;
  createdAt: string;
  messageCount: number;
};

/**
 * The port of the share aggregate: read-only snapshots of a chat that anyone with the link may
 * read. A share belongs to its owner, who lists and revokes it; it goes with its chat and its
 * owner's account. Adapters: `SqliteShareRepository` and `MongoShareRepository`.
 */
export interface ShareRepository {
  /** Stores the snapshot; a second write of the same id keeps the first. */
  createShare(share: StoredShare): Promise<void>;
  /** The snapshot of that id, or null (never made, or revoked). */
  findShare(shareId: string): Promise<StoredShare | null>;
  /** The user's share links, newest first. */
  listShares(userId: string, page: PageRequest): Promise<Page<ShareListing>>;
  /** Revokes the user's share link; false when the user has none of that id. */
  deleteShare(userId: string, shareId: string): Promise<boolean>;
  /** Deletes every share link of the chat (the chat is being deleted); returns how many. */
  deleteChatShares(chatId: string): Promise<number>;
  /** Deletes every share link of the user (account deletion); returns how many. */
  eraseUserShares(userId: string): Promise<number>;
}
