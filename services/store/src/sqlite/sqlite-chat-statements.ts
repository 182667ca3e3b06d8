import type { Database } from "bun:sqlite";
import type { Message } from "@chat/contracts";
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
  toTreeNode,
} from "./sqlite-chat-rows.ts";

const ownedChat = "SELECT 1 FROM chats WHERE id = $chatId AND user_id = $userId";
// `$pattern` is made by `toLikePattern`; LIKE ignores the case of ASCII letters only. A search scans the
// user's chats and their messages: there is no full-text index.
const containsQuery = "LIKE $pattern ESCAPE '\\'";
const chatSearchColumns = `chats.id, chats.title, chats.model, chats.system_prompt, chats.temperature, chats.created_at,
  chats.last_activity_at, chats.needs_help, chats.assisted, chats.held_by, chats.project_id, chats.pinned,
  chats.archived, (SELECT count(*) FROM messages WHERE messages.chat_id = chats.id) AS message_count, message.id AS message_id, message.role AS message_role,
  message.content AS message_content, message.created_at AS message_created_at`;
// A chat whose title matches needs no message; of the others, the newest message that matches.
const chatSearchMatches = `chats LEFT JOIN messages AS message
  ON chats.title NOT ${containsQuery} AND message.id = (
    SELECT id FROM messages WHERE chat_id = chats.id AND content ${containsQuery}
    ORDER BY created_at DESC, id DESC LIMIT 1
  )`;
const chatSearchFound = `(chats.title ${containsQuery} OR message.id IS NOT NULL)`;

/** The prepared statements of the chats aggregate. */
export type ChatStatements = ReturnType<typeof prepareChatStatements>;

/** Prepares the statements of the chats aggregate on the open database. */
export function prepareChatStatements(database: Database) {
  const prepare = <Row>(sql: string) => prepareStatement<Row>(database, sql);
  return {
    insertChat: prepare(
      `INSERT INTO chats (id, user_id, title, model, system_prompt, temperature, project_id, created_at, last_activity_at)
       VALUES ($chatId, $userId, $title, $model, nullif($systemPrompt, ''), $temperature, $projectId, $createdAt, $createdAt)
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
    firstChatSearchHits: prepare<ChatSearchRow>(
      `SELECT ${chatSearchColumns} FROM ${chatSearchMatches}
       WHERE chats.user_id = $userId AND ${chatSearchFound}
       ORDER BY chats.last_activity_at DESC, chats.id DESC LIMIT $limit`,
    ),
    chatSearchHitsAfter: prepare<ChatSearchRow>(
      `SELECT ${chatSearchColumns} FROM ${chatSearchMatches}
       WHERE chats.user_id = $userId AND ${chatSearchFound}
         AND (chats.last_activity_at, chats.id) < ($afterAt, $afterId)
       ORDER BY chats.last_activity_at DESC, chats.id DESC LIMIT $limit`,
    ),
    // A null binding keeps the column; an empty system prompt clears it. The temperature is kept unless
    // $setTemperature is 1, for its null is a value (the model's default). The title condition sits in
    // the same statement, so no other write can come between the check and the change.
    updateChat: prepare<ChatRow>(
      `UPDATE chats SET
         title = coalesce($title, title),
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
      `INSERT INTO messages (${messageColumns}, parent_id, parent_recorded)
       SELECT $id, $chatId, $role, $content, $createdAt, $codeBlocks, $finishReason, $model, $usage, $clientMessageId,
         $author, $attachments, $parentId, $parentRecorded
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
export function prepareChatTransactions(database: Database, statements: ChatStatements) {
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
          content: message.content,
          createdAt,
          codeBlocks: message.codeBlocks === undefined ? null : JSON.stringify(message.codeBlocks),
          finishReason: message.finishReason ?? null,
          model: message.model ?? null,
          usage: message.usage === undefined ? null : JSON.stringify(message.usage),
          clientMessageId: message.clientMessageId ?? null,
          author: message.author === undefined ? null : JSON.stringify(message.author),
          attachments: message.attachments?.length ? JSON.stringify(message.attachments) : null,
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
