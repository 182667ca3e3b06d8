import type {
  AnswerDraft,
  Chat,
  ChatHold,
  ChatSearchHit,
  CodeBlock,
  Message,
  MessageAttachment,
  MessageAuthor,
  Usage,
} from "@chat/contracts";
import type { Document, Filter, UpdateFilter } from "mongodb";
import type { ChatChanges, ChatListFilter, NewChat, PageRequest } from "../chat-repository.ts";
import type { EncryptedField, FieldCipher } from "../encryption/field-cipher.ts";
import { decodeCursor, type SortKey, toSortableTimestamp } from "../page-cursor.ts";
import { escapeRegExp, searchSnippet } from "../search-snippet.ts";

/** A document of `chats`. */
export type ChatDocument = {
  _id: string;
  userId: string;
  /** Sealed by the store's cipher, as is `systemPrompt`. */
  title: string;
  /** The title's blind index; absent while encryption is off. */
  titleTokens?: string[];
  model: string;
  /** Absent when the chat has none: an empty prompt is never stored. */
  systemPrompt?: string;
  /** Absent: the model's default. */
  temperature?: number;
  createdAt: Date;
  lastActivityAt: Date;
  /** Absent on chats written before help requests existed: false. */
  needsHelp?: boolean;
  assisted?: boolean;
  heldBy?: ChatHold | null;
  /** Absent or null: the active path ends at the newest message. */
  activeLeafId?: string | null;
  /** Absent on chats whose leaf was never set: 0. */
  activeLeafVersion?: number;
  /** Absent or null: in no project. */
  projectId?: string | null;
  /** Absent on chats written before pins and archives: false. */
  pinned?: boolean;
  archived?: boolean;
};

/** A document of `messages`. */
export type MessageDocument = {
  _id: string;
  chatId: string;
  role: Message["role"];
  /** Sealed by the store's cipher. */
  content: string;
  /** The content's blind index; absent while encryption is off. */
  searchTokens?: string[];
  createdAt: Date;
  /** The array itself while encryption is off, else its JSON sealed (as `attachments`). */
  codeBlocks?: CodeBlock[] | string;
  finishReason?: Message["finishReason"];
  model?: string;
  usage?: Usage;
  clientMessageId?: string;
  author?: MessageAuthor;
  attachments?: MessageAttachment[] | string;
  /** Absent when none was recorded: the message follows the one before it in time. */
  parentId?: string | null;
};

/** A deleted message's tombstone, by the message id (`_id`): appendMessage refuses that id. */
export type DeletedMessageDocument = { _id: string; chatId: string };

/** The checkpoint of an answer being written, by the message id (`_id`). */
export type AnswerDraftDocument = Omit<AnswerDraft, "messageId"> & { _id: string };

/** What the search's aggregation returns: a chat, whether its title matched, else its newest matching message. */
export type ChatSearchDocument = ChatDocument & {
  titleMatches: boolean;
  matchingMessages: Pick<MessageDocument, "_id" | "role" | "content" | "createdAt">[];
};

/** Newest activity first, ties by id: listChats' order among pinned chats and among the others. */
export const chatOrder = { lastActivityAt: -1, _id: -1 } as const;

/** The user's chats that come after the cursor in newest-activity order; all of them without one. */
export function chatsOfUserAfter(userId: string, cursor: string | undefined): Filter<ChatDocument> {
  return cursor === undefined ? { userId } : { userId, ...activityBefore(decodeCursor(cursor)) };
}

/** The chats that come after `key` in newest-activity order. */
export function activityBefore(key: SortKey): Filter<ChatDocument> {
  const at = new Date(key.at);
  return { $or: [{ lastActivityAt: { $lt: at } }, { lastActivityAt: at, _id: { $lt: key.id } }] };
}

/** The user's chats that pass listChats' filter; a chat without a mark has it false. */
export function chatsOfUserIn(userId: string, filter: ChatListFilter): Filter<ChatDocument> {
  return {
    userId,
    ...(filter.projectId !== undefined && { projectId: filter.projectId }),
    ...(filter.archived !== undefined && { archived: filter.archived ? true : { $ne: true } }),
  };
}

/** The `chats` document of a new chat. */
export function toChatDocument(chat: NewChat, cipher: FieldCipher): ChatDocument {
  const createdAt = new Date(toSortableTimestamp(chat.createdAt));
  return {
    _id: chat.id,
    userId: chat.userId,
    title: cipher.seal("chat.title", chat.title),
    ...(cipher.enabled && { titleTokens: cipher.searchTokens(chat.title, chat.userId) }),
    model: chat.model,
    ...(chat.systemPrompt && { systemPrompt: cipher.seal("chat.systemPrompt", chat.systemPrompt) }),
    ...(chat.temperature !== undefined && { temperature: chat.temperature }),
    ...(chat.projectId && { projectId: chat.projectId }),
    pinned: false,
    archived: false,
    createdAt,
    lastActivityAt: createdAt,
  };
}

/** The chat of a `chats` document, its title and system prompt decrypted. */
export function toChat(document: ChatDocument, cipher: FieldCipher): Chat {
  return {
    id: document._id,
    title: cipher.open("chat.title", document.title),
    model: document.model,
    ...(document.systemPrompt != null && {
      systemPrompt: cipher.open("chat.systemPrompt", document.systemPrompt),
    }),
    ...(document.temperature != null && { temperature: document.temperature }),
    createdAt: document.createdAt.toISOString(),
    lastActivityAt: document.lastActivityAt.toISOString(),
    needsHelp: document.needsHelp === true,
    assisted: document.assisted === true,
    heldBy: document.heldBy ?? null,
    ...(document.projectId != null && { projectId: document.projectId }),
    pinned: document.pinned === true,
    archived: document.archived === true,
  };
}

/** The search hit of a chat that the search pipeline found; the snippet centres on `needle`. */
export function toChatSearchHit(
  document: ChatSearchDocument,
  needle: string,
  cipher: FieldCipher,
): ChatSearchHit {
  const chat = toChat(document, cipher);
  const [message] = document.matchingMessages;
  if (document.titleMatches || !message) return { chat, match: { in: "title" } };
  return {
    chat,
    match: {
      in: "message",
      messageId: message._id,
      role: message.role,
      createdAt: message.createdAt.toISOString(),
      snippet: searchSnippet(cipher.open("message.content", message.content), needle),
    },
  };
}

/** The update for `updateChat`, or null when there is nothing to change. */
export function toChatUpdate(
  changes: ChatChanges,
  userId: string,
  cipher: FieldCipher,
): UpdateFilter<ChatDocument> | null {
  const set: Partial<
    Pick<
      ChatDocument,
      "title" | "titleTokens" | "model" | "systemPrompt" | "temperature" | "projectId" | "pinned" | "archived"
    >
  > = {};
  const unset: { systemPrompt?: ""; temperature?: "" } = {};
  if (changes.title !== undefined) {
    set.title = cipher.seal("chat.title", changes.title);
    if (cipher.enabled) set.titleTokens = cipher.searchTokens(changes.title, userId);
  }
  if (changes.projectId !== undefined) set.projectId = changes.projectId;
  if (changes.pinned !== undefined) set.pinned = changes.pinned;
  if (changes.archived !== undefined) set.archived = changes.archived;
  if (changes.model !== undefined) set.model = changes.model;
  if (changes.systemPrompt) set.systemPrompt = cipher.seal("chat.systemPrompt", changes.systemPrompt);
  if (changes.systemPrompt === "") unset.systemPrompt = "";
  if (typeof changes.temperature === "number") set.temperature = changes.temperature;
  if (changes.temperature === null) unset.temperature = "";
  if (Object.keys(set).length === 0 && Object.keys(unset).length === 0) return null;
  return {
    ...(Object.keys(set).length > 0 && { $set: set }),
    ...(Object.keys(unset).length > 0 && { $unset: unset }),
  };
}

/** The `messages` document of a message of the user `userId`. */
export function toMessageDocument(message: Message, userId: string, cipher: FieldCipher): MessageDocument {
  return {
    _id: message.id,
    chatId: message.chatId,
    role: message.role,
    content: cipher.seal("message.content", message.content),
    ...(cipher.enabled && { searchTokens: cipher.searchTokens(message.content, userId) }),
    createdAt: new Date(toSortableTimestamp(message.createdAt)),
    ...(message.codeBlocks !== undefined && {
      codeBlocks: sealJson(cipher, "message.codeBlocks", message.codeBlocks),
    }),
    ...(message.finishReason !== undefined && { finishReason: message.finishReason }),
    ...(message.model !== undefined && { model: message.model }),
    ...(message.usage !== undefined && { usage: message.usage }),
    ...(message.clientMessageId !== undefined && { clientMessageId: message.clientMessageId }),
    ...(message.author !== undefined && { author: message.author }),
    ...(message.attachments?.length
      ? { attachments: sealJson(cipher, "message.attachments", message.attachments) }
      : {}),
    ...(message.parentId !== undefined && { parentId: message.parentId }),
  };
}

/** The message of a `messages` document, its content, code blocks and attachments decrypted. */
export function toMessage(document: MessageDocument, cipher: FieldCipher): Message {
  return {
    id: document._id,
    chatId: document.chatId,
    role: document.role,
    content: cipher.open("message.content", document.content),
    createdAt: document.createdAt.toISOString(),
    ...(document.codeBlocks != null && {
      codeBlocks: openJson(cipher, "message.codeBlocks", document.codeBlocks),
    }),
    ...(document.finishReason != null && { finishReason: document.finishReason }),
    ...(document.model != null && { model: document.model }),
    ...(document.usage != null && { usage: document.usage }),
    ...(document.clientMessageId != null && { clientMessageId: document.clientMessageId }),
    ...(document.author != null && { author: document.author }),
    ...(document.attachments != null && {
      attachments: openJson(cipher, "message.attachments", document.attachments),
    }),
  };
}

/**
 * A value stored as a document while encryption is off (as before it existed), else as its JSON
 * sealed: an encrypted array cannot be queried, and nothing queries inside these.
 *
 * @example
 * sealJson(cipher, "message.codeBlocks", [{ language: "ts", code: "let a = 1;" }]);
 */
export function sealJson<T>(cipher: FieldCipher, field: EncryptedField, value: T): T | string {
  return cipher.enabled ? cipher.seal(field, JSON.stringify(value)) : value;
}

/** The value `sealJson` stored. */
export function openJson<T>(cipher: FieldCipher, field: EncryptedField, stored: T | string): T {
  return typeof stored === "string" ? (JSON.parse(cipher.open(field, stored)) as T) : stored;
}

/** How the search pipeline matches a title and a message. */
type SearchConditions = { title: Document; message: Document };

/**
 * What the search looks for: the query as a substring (ASCII case ignored) while encryption is off,
 * else every word of it in the blind index (`words`: per word, its tokens under each key).
 */
export function searchConditions(query: string, words: string[][] | null): SearchConditions {
  if (words === null) {
    const pattern = escapeRegExp(query);
    return {
      title: { $regexMatch: { input: "$title", regex: pattern, options: "i" } },
      message: { content: { $regex: pattern, $options: "i" } },
    };
  }
  return {
    title: {
      $and: words.map((tokens) => ({
        $gt: [{ $size: { $setIntersection: [{ $ifNull: ["$titleTokens", []] }, tokens] } }, 0],
      })),
    },
    message: { $and: words.map((tokens) => ({ searchTokens: { $in: tokens } })) },
  };
}

/**
 * The aggregation of `searchChats` over `chats`: the user's chats after the cursor, newest activity first,
 * each with whether its title matches and else its newest matching message from `messages`.
 */
export function chatSearchPipeline(
  userId: string,
  conditions: SearchConditions,
  page: PageRequest,
  messages: string,
): Document[] {
  // The pipeline streams the user's chats in list order and stops after `limit + 1` hits. The lookup
  // runs for a chat whose title matches too, though its message is not needed.
  return [
    { $match: chatsOfUserAfter(userId, page.cursor) },
    { $sort: chatOrder },
    {
      $lookup: {
        from: messages,
        localField: "_id",
        foreignField: "chatId",
        pipeline: [
          { $match: conditions.message },
          { $sort: { createdAt: -1, _id: -1 } },
          { $limit: 1 },
          { $project: { role: 1, content: 1, createdAt: 1 } },
        ],
        as: "matchingMessages",
      },
    },
    { $addFields: { titleMatches: conditions.title } },
    { $match: { $or: [{ titleMatches: true }, { "matchingMessages.0": { $exists: true } }] } },
    { $limit: page.limit + 1 },
  ];
}
