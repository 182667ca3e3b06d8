import type { Database } from "bun:sqlite";
import type { Message } from "@chat/contracts";
import type { FieldCipher } from "../encryption/field-cipher.ts";
import { MessageTree } from "../message-tree.ts";
import { toSortableTimestamp } from "../page-cursor.ts";
import { prepareStatement } from "./prepare-statement.ts";
import {
  type AnswerDraftRow,
  type ChatRow,
  type ChatSearchRow,
  chatColumns,
  type MessageRow,
  messageColumns,
  type TreeNodeRow,
  toTokenColumn,
  toTreeNode,
} from "./sqlite-chat-rows.ts";

const ownedChat = "SELECT 1 FROM chats WHERE id = $chatId AND user_id = $userId";
// `$pattern` is made by `toLikePattern`; LIKE ignores the case of ASCII letters only. A search scans the
// user's chats and their messages: there is no full-text index.
const containsQuery = (column: string) => `${column} LIKE $pattern ESCAPE '\\'`;
// With encryption on, the blind index: `$words` is a JSON array holding, per word of the query, its
// tokens under each key; a text matches when each word has one of its tokens in the text's column.
const holdsWords = (tokens: string) => `(${tokens} IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM json_each($words) AS word WHERE NOT EXISTS (
      SELECT 1 FROM json_each(word.value) AS token WHERE instr(${tokens}, ' ' || token.value || ' ') > 0)))`;
const chatSearchColumns = `chats.id, chats.title, chats.model, chats.system_prompt, chats.temperature, chats.created_at,
  chats.last_activity_at, chats.needs_help, chats.assisted, chats.held_by, chats.project_id, chats.pinned,
  chats.archived, (SELECT count(*) FROM messages WHERE messages.chat_id = chats.id) AS message_count, message.id AS message_id, message.role AS message_role,
  message.content AS message_content, message.created_at AS message_created_at`;

/** The two statements of a search (first page, later pages), given how a title and a message match. */
function chatSearchStatements(titleMatches: string, contentMatches: string) {
  // A chat whose title matches needs no message; of the others, the newest message that matches.
  const matches = `chats LEFT JOIN messages AS message
  ON NOT ${titleMatches} AND message.id = (
    SELECT id FROM messages WHERE chat_id = chats.id AND ${contentMatches}
    ORDER BY created_at DESC, id DESC LIMIT 1
  )`;
  const found = `(${titleMatches} OR message.id IS NOT NULL)`;
  return {
    first: `SELECT ${chatSearchColumns} FROM ${matches}
       WHERE chats.user_id = $userId AND ${found}
       ORDER BY chats.last_activity_at DESC, chats.id DESC LIMIT $limit`,
    after: `SELECT ${chatSearchColumns} FROM ${matches}
       WHERE chats.user_id = $userId AND ${found}
         AND (chats.last_activity_at, chats.id) < ($afterAt, $afterId)
       ORDER BY chats.last_activity_at DESC, chats.id DESC LIMIT $limit`,
  };
}
const searchByText = chatSearchStatements(containsQuery("chats.title"), containsQuery("content"));
const searchByTokens = chatSearchStatements(holdsWords("chats.title_tokens"), holdsWords("search_tokens"));

/** The prepared statements of the chats aggregate. */
export type ChatStatements = ReturnType<typeof prepareChatStatements>;

/** Prepares the statements of the chats aggregate on the open database. */
export function prepareChatStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insertChat: prepare(
      `INSERT INTO chats (id, user_id, title, title_tokens, model, system_prompt, temperature, project_id, created_at, last_activity_at)
       VALUES ($chatId, $userId, $title, $titleTokens, $model, nullif($systemPrompt, ''), $temperature, $projectId, $createdAt, $createdAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    chatById: prepare<ChatRow>(`SELECT ${chatColumns} FROM chats WHERE id = $chatId AND user_id = $userId`),
    chatOwner: prepare<{ user_id: string }>("SELECT user_id FROM chats WHERE id = $chatId"),
    // Holds are few: a scan of the chats with one is cheap enough without an index.
    inactiveChats: prepare<{ id: string; user_id: string }>(
      `SELECT id, user_id FROM chats WHERE last_activity_at < $before
       ORDER BY last_activity_at, id LIMIT $limit`,
    ),
    expiredHolds: prepare<{ id: string; user_id: string }>(
      `SELECT id, user_id FROM chats
       WHERE held_by IS NOT NULL AND json_extract(held_by, '$.expiresAt') < $before
       ORDER BY json_extract(held_by, '$.expiresAt') LIMIT $limit`,
    ),
    // A null binding keeps the mark; `assisted` is only ever set.
    markChat: prepare<ChatRow>(
      `UPDATE chats SET
         needs_help = coalesce($needsHelp, needs_help),
         assisted = max(assisted, coalesce($assisted, 0)),
         held_by = CASE WHEN $keepHeldBy THEN held_by ELSE $heldBy END
       WHERE id = $chatId AND user_id = $userId
       RETURNING ${chatColumns}`,
    ),
    // A null filter binding lists all; with no cursor, `$afterPinned` is 2 (after every chat).
    listChats: prepare<ChatRow>(
      `SELECT ${chatColumns} FROM chats
       WHERE user_id = $userId AND ($projectId IS NULL OR project_id = $projectId)
         AND ($archived IS NULL OR archived = $archived)
         AND (pinned, last_activity_at, id) < ($afterPinned, $afterAt, $afterId)
       ORDER BY pinned DESC, last_activity_at DESC, id DESC LIMIT $limit`,
    ),
    firstChatSearchHits: prepare<ChatSearchRow>(searchByText.first),
    chatSearchHitsAfter: prepare<ChatSearchRow>(searchByText.after),
    firstChatTokenHits: prepare<ChatSearchRow>(searchByTokens.first),
    chatTokenHitsAfter: prepare<ChatSearchRow>(searchByTokens.after),
    // A null binding keeps the column; an empty system prompt clears it. The temperature is kept unless
    // $setTemperature is 1, for its null is a value (the model's default). The title condition (the
    // stored form of the title read before) sits in the same statement, so no other write can come
    // between the check and the change.
    updateChat: prepare<ChatRow>(
      `UPDATE chats SET
         title = coalesce($title, title),
         title_tokens = CASE WHEN $title IS NULL THEN title_tokens ELSE $titleTokens END,
         model = coalesce($model, model),
         system_prompt = CASE WHEN $systemPrompt IS NULL THEN system_prompt ELSE nullif($systemPrompt, '') END,
         temperature = CASE WHEN $setTemperature = 1 THEN $temperature ELSE temperature END,
         project_id = CASE WHEN $keepProject THEN project_id ELSE $projectId END,
         pinned = coalesce($pinned, pinned),
         archived = coalesce($archived, archived)
       WHERE id = $chatId AND user_id = $userId AND ($onlyIfTitle IS NULL OR title = $onlyIfTitle)
       RETURNING ${chatColumns}`,
    ),
    deleteMessagesOfChat: prepare(`DELETE FROM messages WHERE chat_id = $chatId AND EXISTS (${ownedChat})`),
    deleteChat: prepare("DELETE FROM chats WHERE id = $chatId AND user_id = $userId"),
    insertMessage: prepare(
      `INSERT INTO messages (${messageColumns}, parent_id, parent_recorded, search_tokens)
       SELECT $id, $chatId, $role, $content, $createdAt, $codeBlocks, $finishReason, $model, $usage, $clientMessageId,
         $author, $attachments, $parentId, $parentRecorded, $searchTokens
       WHERE EXISTS (${ownedChat}) AND NOT EXISTS (SELECT 1 FROM deleted_messages WHERE id = $id)
       ON CONFLICT (id) DO NOTHING`,
    ),
    insertTombstone: prepare(
      `INSERT INTO deleted_messages (id, chat_id) VALUES ($messageId, $chatId)
       ON CONFLICT (id) DO NOTHING`,
    ),
    deleteMessage: prepare("DELETE FROM messages WHERE id = $messageId AND chat_id = $chatId"),
    // Only for the draft's own user's chat, and never for an answer already written or deleted.
    saveAnswerDraft: prepare(
      `INSERT INTO answer_drafts (message_id, chat_id, user_id, content, model, created_at, updated_at)
       SELECT $messageId, $chatId, $userId, $content, $model, $createdAt, $updatedAt
       WHERE EXISTS (${ownedChat})
         AND NOT EXISTS (SELECT 1 FROM messages WHERE id = $messageId)
         AND NOT EXISTS (SELECT 1 FROM deleted_messages WHERE id = $messageId)
       ON CONFLICT (message_id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
    ),
    answerDrafts: prepare<AnswerDraftRow>(
      `SELECT message_id, chat_id, user_id, content, model, created_at, updated_at FROM answer_drafts
       ORDER BY updated_at, message_id LIMIT $limit`,
    ),
    deleteAnswerDraft: prepare("DELETE FROM answer_drafts WHERE message_id = $messageId"),
    moveChatActivity: prepare(
      `UPDATE chats SET last_activity_at = max(last_activity_at, $createdAt)
       WHERE id = $chatId AND user_id = $userId`,
    ),
    treeNodes: prepare<TreeNodeRow>(
      `SELECT id, parent_id, parent_recorded, created_at FROM messages
       WHERE chat_id = $chatId AND EXISTS (${ownedChat})`,
    ),
    // `$ids` is a JSON array of message ids.
    messagesByIds: prepare<MessageRow>(
      `SELECT ${messageColumns} FROM messages
       WHERE chat_id = $chatId AND id IN (SELECT value FROM json_each($ids))`,
    ),
    activeLeaf: prepare<{ active_leaf_id: string | null; active_leaf_version: number }>(
      "SELECT active_leaf_id, active_leaf_version FROM chats WHERE id = $chatId AND user_id = $userId",
    ),
    setLeafIfNewer: prepare(
      `UPDATE chats SET active_leaf_id = $leafId, active_leaf_version = $version
       WHERE id = $chatId AND user_id = $userId AND active_leaf_version < $version
         AND EXISTS (SELECT 1 FROM messages WHERE id = $leafId AND chat_id = $chatId)`,
    ),
    // A NULL leaf is the newest message.
    moveLeaf: prepare("UPDATE chats SET active_leaf_id = $leafId WHERE id = $chatId AND user_id = $userId"),
  };
}

/** The writes of the chats aggregate that take more than one statement, each one transaction. */
export function prepareChatTransactions(database: Database, statements: ChatStatements, cipher: FieldCipher) {
  return {
    deleteChat: database.transaction((chatId: string, userId: string): boolean => {
      statements.deleteMessagesOfChat.run({ chatId, userId });
      return statements.deleteChat.run({ chatId, userId }).changes > 0;
    }),
    appendMessage: database.transaction(
      (userId: string, message: Message, activeLeafVersion?: number): boolean => {
        const createdAt = toSortableTimestamp(message.createdAt);
        const inserted = statements.insertMessage.run({
          id: message.id,
          chatId: message.chatId,
          userId,
          role: message.role,
          content: cipher.seal("message.content", message.content),
          searchTokens: toTokenColumn(cipher, message.content, userId),
          createdAt,
          codeBlocks:
            message.codeBlocks === undefined
              ? null
              : cipher.seal("message.codeBlocks", JSON.stringify(message.codeBlocks)),
          finishReason: message.finishReason ?? null,
          model: message.model ?? null,
          usage: message.usage === undefined ? null : JSON.stringify(message.usage),
          clientMessageId: message.clientMessageId ?? null,
          author: message.author === undefined ? null : JSON.stringify(message.author),
          attachments: message.attachments?.length
            ? cipher.seal("message.attachments", JSON.stringify(message.attachments))
            : null,
          parentId: message.parentId ?? null,
          parentRecorded: message.parentId === undefined ? 0 : 1,
        });
        statements.deleteAnswerDraft.run({ messageId: message.id });
        if (inserted.changes === 0) return false;
        statements.moveChatActivity.run({ chatId: message.chatId, userId, createdAt });
        const chatId = message.chatId;
        if (message.parentId !== undefined && activeLeafVersion !== undefined) {
          statements.setLeafIfNewer.run({ chatId, userId, leafId: message.id, version: activeLeafVersion });
        } else if (message.parentId === undefined) {
          const leaf = statements.activeLeaf.get({ chatId, userId })?.active_leaf_id ?? null;
          const tree = () => new MessageTree(statements.treeNodes.all({ chatId, userId }).map(toTreeNode));
          if (leaf !== null && tree().parentOf(message.id) === leaf) {
            statements.moveLeaf.run({ chatId, userId, leafId: message.id });
          }
        }
        return true;
      },
    ),
    deleteMessage: database.transaction((userId: string, chatId: string, messageId: string): boolean => {
      const leaf = statements.activeLeaf.get({ chatId, userId });
      if (!leaf) return false;
      const tree = new MessageTree(statements.treeNodes.all({ chatId, userId }).map(toTreeNode));
      const removed = tree.has(messageId) ? tree.subtree(messageId) : [messageId];
      for (const id of removed) {
        statements.insertTombstone.run({ messageId: id, chatId });
        statements.deleteAnswerDraft.run({ messageId: id });
        statements.deleteMessage.run({ messageId: id, chatId });
      }
      if (leaf.active_leaf_id !== null && removed.includes(leaf.active_leaf_id)) {
        statements.moveLeaf.run({ chatId, userId, leafId: tree.parentOf(messageId) ?? null });
      }
      return tree.has(messageId);
    }),
  };
}
