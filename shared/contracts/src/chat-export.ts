import { type Static, Type } from "@sinclair/typebox";
import {
  type Chat,
  CodeBlock,
  FinishReason,
  Id,
  MAX_TEMPERATURE,
  type Message,
  MessageAttachment,
  MessageAuthor,
  MessageRole,
  Timestamp,
  Usage,
} from "./http.ts";

/** The `format` of every export document, so an importer knows what it reads. */
export const CHAT_EXPORT_FORMAT = "chat-system-export";
/** The version of the export schema; a change that breaks readers raises it. */
export const CHAT_EXPORT_VERSION = 1;

/** A message as exported: every field a reader needs to rebuild the tree and show the answer. */
export const ExportedMessage = Type.Object(
  {
    id: Id,
    /** The message it follows; null for a first question. Versions share their parent. */
    parentId: Type.Union([Id, Type.Null()]),
    role: MessageRole,
    content: Type.String(),
    createdAt: Timestamp,
    model: Type.Optional(Type.String()),
    finishReason: Type.Optional(FinishReason),
    usage: Type.Optional(Usage),
    codeBlocks: Type.Optional(Type.Array(CodeBlock)),
    author: Type.Optional(MessageAuthor),
    /** The files sent with a question, by name and type (the bytes stay on the server). */
    attachments: Type.Optional(Type.Array(MessageAttachment)),
  },
  { $id: "ExportedMessage" },
);
export type ExportedMessage = Static<typeof ExportedMessage>;

/** A chat as exported: its settings, every message on every branch, and the active leaf. */
export const ExportedChat = Type.Object(
  {
    id: Id,
    title: Type.String(),
    model: Type.String(),
    systemPrompt: Type.Optional(Type.String()),
    /** Absent: the model's default. */
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_TEMPERATURE })),
    createdAt: Timestamp,
    lastActivityAt: Timestamp,
    /** The last message of the path the app shows; null for a chat without messages. */
    activeLeafId: Type.Union([Id, Type.Null()]),
    /** Oldest first; a parent always comes before its children. */
    messages: Type.Array(ExportedMessage),
  },
  { $id: "ExportedChat" },
);
export type ExportedChat = Static<typeof ExportedChat>;

/** A whole export: one chat (`GET /api/chats/:id/export`) or the account (`GET /api/me/export`). */
export const ChatExportDocument = Type.Object(
  {
    format: Type.Literal(CHAT_EXPORT_FORMAT),
    version: Type.Literal(CHAT_EXPORT_VERSION),
    exportedAt: Timestamp,
    /** The account, in an export of all of it. */
    account: Type.Optional(Type.Object({ id: Id, email: Type.String(), name: Type.String() })),
    chats: Type.Array(ExportedChat),
  },
  { $id: "ChatExportDocument" },
);
export type ChatExportDocument = Static<typeof ChatExportDocument>;

/** The exported form of a stored chat and its messages. */
export function exportedChat(
  chat: Chat,
  messages: readonly Message[],
  activeLeafId: string | null,
): ExportedChat {
  return {
    id: chat.id,
    title: chat.title,
    model: chat.model,
    ...(chat.systemPrompt ? { systemPrompt: chat.systemPrompt } : {}),
    ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
    createdAt: chat.createdAt,
    lastActivityAt: chat.lastActivityAt,
    activeLeafId,
    messages: messages.map((message) => ({
      id: message.id,
      parentId: message.parentId ?? null,
      role: message.role,
      content: message.content,
      createdAt: message.createdAt,
      ...(message.model ? { model: message.model } : {}),
      ...(message.finishReason ? { finishReason: message.finishReason } : {}),
      ...(message.usage ? { usage: message.usage } : {}),
      ...(message.codeBlocks?.length ? { codeBlocks: message.codeBlocks } : {}),
      ...(message.author ? { author: message.author } : {}),
      ...(message.attachments?.length ? { attachments: message.attachments } : {}),
    })),
  };
}

/** What an import did: chats written, chats found from an earlier import, and what was left out and why. */
export const ImportReport = Type.Object(
  {
    /** `chat-system` (our export) or `chatgpt` (ChatGPT's conversations.json). */
    source: Type.String(),
    imported: Type.Integer({ minimum: 0 }),
    /** Chats this file brought before: left as they are. */
    alreadyImported: Type.Integer({ minimum: 0 }),
    chats: Type.Array(Type.Object({ id: Id, title: Type.String(), messages: Type.Integer({ minimum: 0 }) })),
    skipped: Type.Array(Type.Object({ chat: Type.String(), reason: Type.String() })),
  },
  { $id: "ImportReport" },
);
export type ImportReport = Static<typeof ImportReport>;
