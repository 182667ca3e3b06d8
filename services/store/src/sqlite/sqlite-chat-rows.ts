import type {
  Chat,
  ChatHold,
  ChatSearchHit,
  CodeBlock,
  Message,
  MessageAttachment,
  MessageAuthor,
  Usage,
} from "@chat/contracts";
import type { FieldCipher } from "../encryption/field-cipher.ts";
import type { TreeNode } from "../message-tree.ts";
import { decodeCursor } from "../page-cursor.ts";
import { searchSnippet } from "../search-snippet.ts";

/** A row of `chats`. */
export type ChatRow = {
  id: string;
  title: string;
  model: string;
  system_prompt: string | null;
  temperature: number | null;
  created_at: string;
  last_activity_at: string;
  needs_help: number;
  assisted: number;
  /** JSON of a `ChatHold`. */
  held_by: string | null;
  project_id: string | null;
  pinned: number;
  archived: number;
  message_count: number;
};

/** A chat that a search found: its title matched, or else the newest message that did. */
export type ChatSearchRow = ChatRow &
  (
    | { message_id: null; message_role: null; message_content: null; message_created_at: null }
    | {
        message_id: string;
        message_role: Message["role"];
        message_content: string;
        message_created_at: string;
      }
  );

/** A row of `messages`. */
export type MessageRow = {
  id: string;
  chat_id: string;
  role: Message["role"];
  content: string;
  created_at: string;
  code_blocks: string | null;
  finish_reason: Message["finishReason"] | null;
  model: string | null;
  usage: string | null;
  client_message_id: string | null;
  /** JSON of a `MessageAuthor`. */
  author: string | null;
  attachments: string | null;
};

/** A message's place in the tree, as `MessageTree` reads it. */
export type TreeNodeRow = {
  id: string;
  parent_id: string | null;
  parent_recorded: number;
  created_at: string;
};

/** A row of `answer_drafts`. */
export type AnswerDraftRow = {
  message_id: string;
  chat_id: string;
  user_id: string;
  content: string;
  model: string;
  created_at: string;
  updated_at: string;
};

/** The columns of a `ChatRow`. */
export const chatColumns = `id, title, model, system_prompt, temperature, created_at, last_activity_at, needs_help, assisted,
  held_by, project_id, pinned, archived, (SELECT count(*) FROM messages WHERE messages.chat_id = chats.id) AS message_count`;
/** The columns of a `MessageRow`. */
export const messageColumns =
  "id, chat_id, role, content, created_at, code_blocks, finish_reason, model, usage, client_message_id, author, attachments";

/** The tree node of a `TreeNodeRow`. */
export function toTreeNode(row: TreeNodeRow): TreeNode {
  return {
    id: row.id,
    parentId: row.parent_recorded === 1 ? row.parent_id : undefined,
    createdAt: row.created_at,
  };
}

/**
 * The blind-index column of a text of the user: its search tokens between spaces, so `instr` finds a whole token;
 * null when encryption is off (search then reads the text itself).
 */
export function toTokenColumn(cipher: FieldCipher, text: string, userId: string): string | null {
  return cipher.enabled ? ` ${cipher.searchTokens(text, userId).join(" ")} ` : null;
}

/** A LIKE pattern (with `ESCAPE '\'`) for text containing `query`, its `%`, `_` and `\` taken literally. */
export function toLikePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, "\\$&")}%`;
}

/** The bindings of the position a page cursor names. */
export function afterBindings(cursor: string): { afterAt: string; afterId: string } {
  const key = decodeCursor(cursor);
  return { afterAt: key.at, afterId: key.id };
}

/** The chat of a `chats` row, its title and system prompt decrypted. */
export function toChat(row: ChatRow, cipher: FieldCipher): Chat {
  return {
    id: row.id,
    title: cipher.open("chat.title", row.title),
    model: row.model,
    ...(row.system_prompt !== null && { systemPrompt: cipher.open("chat.systemPrompt", row.system_prompt) }),
    ...(row.temperature !== null && { temperature: row.temperature }),
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    messageCount: row.message_count,
    needsHelp: row.needs_help === 1,
    assisted: row.assisted === 1,
    heldBy: row.held_by === null ? null : (JSON.parse(row.held_by) as ChatHold),
    ...(row.project_id !== null && { projectId: row.project_id }),
    pinned: row.pinned === 1,
    archived: row.archived === 1,
  };
}

/** The search hit of a row that a search found; the snippet centres on `needle`. */
export function toChatSearchHit(row: ChatSearchRow, needle: string, cipher: FieldCipher): ChatSearchHit {
  const chat = toChat(row, cipher);
  if (row.message_id === null) return { chat, match: { in: "title" } };
  return {
    chat,
    match: {
      in: "message",
      messageId: row.message_id,
      role: row.message_role,
      createdAt: row.message_created_at,
      snippet: searchSnippet(cipher.open("message.content", row.message_content), needle),
    },
  };
}

/** The message of a `messages` row, its content, code blocks and attachments decrypted. */
export function toMessage(row: MessageRow, cipher: FieldCipher): Message {
  return {
    id: row.id,
    chatId: row.chat_id,
    role: row.role,
    content: cipher.open("message.content", row.content),
    createdAt: row.created_at,
    ...(row.code_blocks !== null && {
      codeBlocks: JSON.parse(cipher.open("message.codeBlocks", row.code_blocks)) as CodeBlock[],
    }),
    ...(row.finish_reason !== null && { finishReason: row.finish_reason }),
    ...(row.model !== null && { model: row.model }),
    ...(row.usage !== null && { usage: JSON.parse(row.usage) as Usage }),
    ...(row.client_message_id !== null && { clientMessageId: row.client_message_id }),
    ...(row.author !== null && { author: JSON.parse(row.author) as MessageAuthor }),
    ...(row.attachments !== null && {
      attachments: JSON.parse(cipher.open("message.attachments", row.attachments)) as MessageAttachment[],
    }),
  };
}
