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
import type { ChatChanges, ChatListFilter, PageRequest } from "../chat-repository.ts";
import { decodeCursor, type SortKey, toSortableTimestamp } from "../page-cursor.ts";
import { escapeRegExp, searchSnippet } from "../search-snippet.ts";

/** A document of `chats`. */
export type ChatDocument = {
  _id: string;
  userId: string;
  title: string;
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
  content: string;
  createdAt: Date;
  codeBlocks?: CodeBlock[];
  finishReason?: Message["finishReason"];
  model?: string;
  usage?: Usage;
  clientMessageId?: string;
  author?: MessageAuthor;
  attachments?: MessageAttachment[];
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

/** The chat of a `chats` document. */
export function toChat(document: ChatDocument): Chat {
  return {
    id: document._id,
    title: document.title,
    model: document.model,
    ...(document.systemPrompt != null && { systemPrompt: document.systemPrompt }),
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

/** The search hit of a chat that the search pipeline found. */
export function toChatSearchHit(document: ChatSearchDocument, query: string): ChatSearchHit {
  const chat = toChat(document);
  const [message] = document.matchingMessages;
  if (document.titleMatches || !message) return { chat, match: { in: "title" } };
  return {
    chat,
    match: {
      in: "message",
      messageId: message._id,
      role: message.role,
      createdAt: message.createdAt.toISOString(),
      snippet: searchSnippet(message.content, query),
    },
  };
}

/** The update for `updateChat`, or null when there is nothing to change. */
export function toChatUpdate(changes: ChatChanges): UpdateFilter<ChatDocument> | null {
  const set: Partial<
    Pick<
      ChatDocument,
      "title" | "model" | "systemPrompt" | "temperature" | "projectId" | "pinned" | "archived"
    >
  > = {};
  const unset: { systemPrompt?: ""; temperature?: "" } = {};
  if (changes.title !== undefined) set.title = changes.title;
  if (changes.projectId !== undefined) set.projectId = changes.projectId;
  if (changes.pinned !== undefined) set.pinned = changes.pinned;
  if (changes.archived !== undefined) set.archived = changes.archived;
  if (changes.model !== undefined) set.model = changes.model;
  if (changes.systemPrompt) set.systemPrompt = changes.systemPrompt;
  if (changes.systemPrompt === "") unset.systemPrompt = "";
  if (typeof changes.temperature === "number") set.temperature = changes.temperature;
  if (changes.temperature === null) unset.temperature = "";
  if (Object.keys(set).length === 0 && Object.keys(unset).length === 0) return null;
  return {
    ...(Object.keys(set).length > 0 && { $set: set }),
    ...(Object.keys(unset).length > 0 && { $unset: unset }),
  };
}

/** The `messages` document of a message. */
export function toMessageDocument(message: Message): MessageDocument {
  return {
    _id: message.id,
    chatId: message.chatId,
    role: message.role,
    content: message.content,
    createdAt: new Date(toSortableTimestamp(message.createdAt)),
    ...(message.codeBlocks !== undefined && { codeBlocks: message.codeBlocks }),
    ...(message.finishReason !== undefined && { finishReason: message.finishReason }),
    ...(message.model !== undefined && { model: message.model }),
    ...(message.usage !== undefined && { usage: message.usage }),
    ...(message.clientMessageId !== undefined && { clientMessageId: message.clientMessageId }),
    ...(message.author !== undefined && { author: message.author }),
    ...(message.attachments?.length ? { attachments: message.attachments } : {}),
    ...(message.parentId !== undefined && { parentId: message.parentId }),
  };
}

/** The message of a `messages` document. */
export function toMessage(document: MessageDocument): Message {
  return {
    id: document._id,
    chatId: document.chatId,
    role: document.role,
    content: document.content,
    createdAt: document.createdAt.toISOString(),
    ...(document.codeBlocks != null && { codeBlocks: document.codeBlocks }),
    ...(document.finishReason != null && { finishReason: document.finishReason }),
    ...(document.model != null && { model: document.model }),
    ...(document.usage != null && { usage: document.usage }),
    ...(document.clientMessageId != null && { clientMessageId: document.clientMessageId }),
    ...(document.author != null && { author: document.author }),
    ...(document.attachments != null && { attachments: document.attachments }),
  };
}

/**
 * The aggregation of `searchChats` over `chats`: the user's chats after the cursor, newest activity first,
 * each with whether its title matches and else its newest matching message from `messages`.
 */
export function chatSearchPipeline(
  userId: string,
  query: string,
  page: PageRequest,
  messages: string,
): Document[] {
  const pattern = escapeRegExp(query);
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
          { $match: { content: { $regex: pattern, $options: "i" } } },
          { $sort: { createdAt: -1, _id: -1 } },
          { $limit: 1 },
          { $project: { role: 1, content: 1, createdAt: 1 } },
        ],
        as: "matchingMessages",
      },
    },
    { $addFields: { titleMatches: { $regexMatch: { input: "$title", regex: pattern, options: "i" } } } },
    { $match: { $or: [{ titleMatches: true }, { "matchingMessages.0": { $exists: true } }] } },
    { $limit: page.limit + 1 },
  ];
}
