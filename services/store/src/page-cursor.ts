import { AppError, type Chat } from "@chat/contracts";
import type { Page } from "./chat-repository.ts";

/**
 * Where an item sits in a keyset-paginated list: its timestamp, then its id to break ties.
 * Both adapters sort by exactly this key, so a cursor is the key of the last item of a page.
 */
export type SortKey = { at: string; id: string };

/** Chats page newest activity first. */
export function chatSortKey(chat: Chat): SortKey {
  return { at: chat.lastActivityAt, id: chat.id };
}

/** Where a chat sits in listChats' order: pinned chats first, then by its `SortKey`. */
export type ChatListKey = SortKey & { pinned: boolean };

/** The key of a chat in listChats' order. */
export function chatListKey(chat: Chat): ChatListKey {
  return { pinned: chat.pinned === true, at: chat.lastActivityAt, id: chat.id };
}

/**
 * Encodes a chat list key as an opaque cursor: `encodeCursor`'s, with `~p` after it for a pinned
 * chat, so a cursor of an unpinned chat is the one chats had before they could be pinned.
 */
export function encodeChatListCursor(key: ChatListKey): string {
  return `${encodeCursor(key)}${key.pinned ? "~p" : ""}`;
}

/** Decodes a cursor made by `encodeChatListCursor`; anything else throws VALIDATION_FAILED "Invalid cursor". */
export function decodeChatListCursor(cursor: string): ChatListKey {
  const pinned = cursor.endsWith("~p");
  return { ...decodeCursor(pinned ? cursor.slice(0, -2) : cursor), pinned };
}

/** `toPage` in listChats' order. */
export function toChatListPage(rows: Chat[], limit: number): Page<Chat> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeChatListCursor(chatListKey(last)) : null };
}

/**
 * Normalises an ISO 8601 time to the one UTC form `toISOString` writes, so that comparing the strings
 * compares the instants (`…00Z` would otherwise sort after `…00.500Z`).
 *
 * @example
 * toSortableTimestamp("2025-01-01T02:00:00+02:00"); // "2025-01-01T00:00:00.000Z"
 */
export function toSortableTimestamp(value: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new AppError("VALIDATION_FAILED", `Invalid timestamp: ${value}`);
  return time.toISOString();
}

/**
 * Encodes a sort key as an opaque cursor (base64url of JSON).
 *
 * @example
 * encodeCursor({ at: "2025-01-01T00:00:00.000Z", id: "m1" });
 */
export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString("base64url");
}

/** Decodes a cursor made by `encodeCursor`; anything else throws AppError VALIDATION_FAILED "Invalid cursor". */
export function decodeCursor(cursor: string): SortKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw new AppError("VALIDATION_FAILED", "Invalid cursor", { cause: error });
  }
  if (!Array.isArray(decoded) || decoded.length !== 2)
    throw new AppError("VALIDATION_FAILED", "Invalid cursor");
  const [at, id]: unknown[] = decoded;
  if (
    typeof at !== "string" ||
    typeof id !== "string" ||
    // Base64 decoding skips characters it does not know, so only the exact encoding is accepted.
    encodeCursor({ at, id }) !== cursor ||
    !isSortableTimestamp(at)
  ) {
    throw new AppError("VALIDATION_FAILED", "Invalid cursor");
  }
  return { at, id };
}

function isSortableTimestamp(value: string): boolean {
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

/** Throws AppError VALIDATION_FAILED unless `limit` is a whole number of at least `minimum`. */
export function checkLimit(limit: number, minimum: number): void {
  if (!Number.isInteger(limit) || limit < minimum) {
    throw new AppError("VALIDATION_FAILED", `The limit must be a whole number of at least ${minimum}`);
  }
}

/**
 * Builds a page from up to `limit + 1` rows read in list order: the extra row only says that
 * another page exists, and the cursor is the sort key of the last item returned.
 */
export function toPage<T>(rows: T[], limit: number, sortKeyOf: (item: T) => SortKey): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(sortKeyOf(last)) : null };
}
