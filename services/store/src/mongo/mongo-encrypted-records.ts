import type { Db, Document, Filter } from "mongodb";
import type { EncryptedRecords, SealedRecord } from "../encryption/encrypted-records.ts";
import type { EncryptedField, FieldCipher } from "../encryption/field-cipher.ts";

/** `json`: stored as the document itself while encryption is off (see `sealJson`). */
type EncryptedPath = { path: string; field: EncryptedField; tokens?: string; json?: true };

/** Every field encrypted at rest, by collection: a new encrypted field is one line here. */
const encryptedPaths: Record<string, EncryptedPath[]> = {
  chats: [
    { path: "title", field: "chat.title", tokens: "titleTokens" },
    { path: "systemPrompt", field: "chat.systemPrompt" },
  ],
  messages: [
    { path: "content", field: "message.content", tokens: "searchTokens" },
    { path: "codeBlocks", field: "message.codeBlocks", json: true },
    { path: "attachments", field: "message.attachments", json: true },
  ],
  answerDrafts: [{ path: "content", field: "answerDraft.content" }],
  attachments: [{ path: "name", field: "attachment.name" }],
  shares: [
    { path: "title", field: "share.title" },
    { path: "messages", field: "share.messages", json: true },
  ],
  chatProjects: [
    { path: "name", field: "project.name" },
    { path: "instructions", field: "project.instructions" },
  ],
};

/**
 * The encrypted fields of the MongoDB store, for the re-encryption sweep and the start-up key
 * check; the key ids it has encrypted with are kept in `encryptionKeys`.
 *
 * @example
 * const records = new MongoEncryptedRecords(database, cipher);
 * await records.page("messages", "", 500);
 */
export class MongoEncryptedRecords implements EncryptedRecords {
  readonly kinds = Object.keys(encryptedPaths);

  constructor(
    private readonly database: Db,
    readonly cipher: FieldCipher,
  ) {}

  async page(kind: string, afterId: string, limit: number): Promise<SealedRecord[]> {
    const paths = pathsOf(kind);
    const documents = await this.database
      .collection<{ _id: string }>(kind)
      .find(
        { _id: { $gt: afterId } },
        { projection: Object.fromEntries(paths.map((entry) => [entry.path, 1])) },
      )
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map((document: Document) => ({
      id: document._id as string,
      values: paths.flatMap((entry) => {
        const value: unknown = document[entry.path];
        if (value === null || value === undefined) return [];
        return [{ field: entry.field, stored: typeof value === "string" ? value : JSON.stringify(value) }];
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
    const entry = pathsOf(kind).find((candidate) => candidate.field === field);
    if (!entry) throw new Error(`${kind} has no encrypted field ${field}`);
    // A value stored as a document (encryption was off) is matched by its type: the rewrite only
    // ever replaces it with a string.
    const still = entry.json && !from.startsWith("enc:") ? { $not: { $type: "string" } } : from;
    const filter: Filter<{ _id: string }> = { _id: id, [entry.path]: still };
    const set: Document = { [entry.path]: this.cipher.seal(field, text) };
    if (entry.tokens) {
      const owner = await this.ownerOf(kind, id);
      set[entry.tokens] = owner === null ? [] : this.cipher.searchTokens(text, owner);
    }
    const { modifiedCount } = await this.database
      .collection<{ _id: string }>(kind)
      .updateOne(filter, { $set: set });
    return modifiedCount > 0;
  }

  /** The user whose tokens a chat or message holds (a message names only its chat). */
  private async ownerOf(kind: string, id: string): Promise<string | null> {
    const chats = this.database.collection<{ _id: string; userId: string }>("chats");
    if (kind === "chats")
      return (await chats.findOne({ _id: id }, { projection: { userId: 1 } }))?.userId ?? null;
    const message = await this.database
      .collection<{ _id: string; chatId: string }>("messages")
      .findOne({ _id: id }, { projection: { chatId: 1 } });
    if (!message) return null;
    return (await chats.findOne({ _id: message.chatId }, { projection: { userId: 1 } }))?.userId ?? null;
  }

  async recordedKeyIds(): Promise<string[]> {
    const documents = await this.keys().find({}).sort({ _id: 1 }).toArray();
    return documents.map((document) => document._id);
  }

  async recordKeyId(keyId: string, at: string): Promise<void> {
    await this.keys().updateOne({ _id: keyId }, { $setOnInsert: { firstUsedAt: at } }, { upsert: true });
  }

  async forgetKeyId(keyId: string): Promise<void> {
    await this.keys().deleteOne({ _id: keyId });
  }

  private keys() {
    return this.database.collection<{ _id: string; firstUsedAt: string }>("encryptionKeys");
  }
}

function pathsOf(kind: string): EncryptedPath[] {
  const paths = encryptedPaths[kind];
  if (!paths) throw new Error(`no encrypted records of kind ${kind}`);
  return paths;
}
