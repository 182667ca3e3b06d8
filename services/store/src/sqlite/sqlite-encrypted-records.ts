import type { Database } from "bun:sqlite";
import type { EncryptedRecords, SealedRecord } from "../encryption/encrypted-records.ts";
import type { EncryptedField, FieldCipher } from "../encryption/field-cipher.ts";
import { toTokenColumn } from "./sqlite-chat-rows.ts";

type Column = { name: string; field: EncryptedField; tokens?: string };
/** `owner`: the expression of a row's user, whose tokens the blind index holds. */
type Table = { key: string; owner?: string; columns: Column[] };

/** Every column encrypted at rest, by table: a new encrypted column is one line here. */
const encryptedColumns: Record<string, Table> = {
  chats: {
    key: "id",
    owner: "user_id",
    columns: [
      { name: "title", field: "chat.title", tokens: "title_tokens" },
      { name: "system_prompt", field: "chat.systemPrompt" },
    ],
  },
  messages: {
    key: "id",
    owner: "(SELECT user_id FROM chats WHERE chats.id = messages.chat_id)",
    columns: [
      { name: "content", field: "message.content", tokens: "search_tokens" },
      { name: "code_blocks", field: "message.codeBlocks" },
      { name: "attachments", field: "message.attachments" },
    ],
  },
  answer_drafts: { key: "message_id", columns: [{ name: "content", field: "answerDraft.content" }] },
  attachments: { key: "id", columns: [{ name: "name", field: "attachment.name" }] },
  shares: {
    key: "id",
    columns: [
      { name: "title", field: "share.title" },
      { name: "messages", field: "share.messages" },
    ],
  },
  chat_projects: {
    key: "id",
    columns: [
      { name: "name", field: "project.name" },
      { name: "instructions", field: "project.instructions" },
    ],
  },
};

/**
 * The encrypted columns of the SQLite store, for the re-encryption sweep and the start-up key check;
 * the key ids it has encrypted with are kept in `encryption_keys`.
 *
 * @example
 * const records = new SqliteEncryptedRecords(database, cipher);
 * await records.page("messages", "", 500);
 */
export class SqliteEncryptedRecords implements EncryptedRecords {
  readonly kinds = Object.keys(encryptedColumns);

  constructor(
    private readonly database: Database,
    readonly cipher: FieldCipher,
  ) {}

  async page(kind: string, afterId: string, limit: number): Promise<SealedRecord[]> {
    const table = tableOf(kind);
    const rows = this.database
      .query<Record<string, string | null>, { afterId: string; limit: number }>(
        `SELECT ${table.key} AS id, ${table.columns.map((column) => column.name).join(", ")} FROM ${kind}
         WHERE ${table.key} > $afterId ORDER BY ${table.key} LIMIT $limit`,
      )
      .all({ afterId, limit });
    return rows.map((row) => ({
      id: row.id as string,
      values: table.columns.flatMap((column) => {
        const stored = row[column.name];
        return stored === null || stored === undefined ? [] : [{ field: column.field, stored }];
      }),
    }));
  }

  async rewrite(
    kind: string,
    id: string,
    field: EncryptedField,
    from: string,
    text: string,
  ): Promise<boolean> {
    const table = tableOf(kind);
    const column = table.columns.find((candidate) => candidate.field === field);
    if (!column) throw new Error(`${kind} has no encrypted field ${field}`);
    const tokens = column.tokens ? `, ${column.tokens} = $tokens` : "";
    const owner = column.tokens ? this.ownerOf(kind, table, id) : null;
    const { changes } = this.database
      .query(
        `UPDATE ${kind} SET ${column.name} = $to${tokens} WHERE ${table.key} = $id AND ${column.name} = $from`,
      )
      .run({
        id,
        from,
        to: this.cipher.seal(field, text),
        ...(column.tokens && { tokens: owner === null ? null : toTokenColumn(this.cipher, text, owner) }),
      });
    return changes > 0;
  }

  private ownerOf(kind: string, table: Table, id: string): string | null {
    const row = this.database
      .query<{ owner: string | null }, { id: string }>(
        `SELECT ${table.owner} AS owner FROM ${kind} WHERE ${table.key} = $id`,
      )
      .get({ id });
    return row?.owner ?? null;
  }

  async recordedKeyIds(): Promise<string[]> {
    return this.database
      .query<{ id: string }, []>("SELECT id FROM encryption_keys ORDER BY id")
      .all()
      .map((row) => row.id);
  }

  async recordKeyId(keyId: string, at: string): Promise<void> {
    this.database
      .query(
        "INSERT INTO encryption_keys (id, first_used_at) VALUES ($keyId, $at) ON CONFLICT (id) DO NOTHING",
      )
      .run({ keyId, at });
  }

  async forgetKeyId(keyId: string): Promise<void> {
    this.database.query("DELETE FROM encryption_keys WHERE id = $keyId").run({ keyId });
  }
}

function tableOf(kind: string): Table {
  const table = encryptedColumns[kind];
  if (!table) throw new Error(`no encrypted records of kind ${kind}`);
  return table;
}
