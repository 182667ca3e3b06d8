import type { StoreClient } from "@chat/bus";
import { AppError, type ImportReport, type Message } from "@chat/contracts";
import type { ModelCatalog } from "../chats/model-catalog.ts";
import { isChatSystemExport, readChatSystemExport } from "./chat-system-export.ts";
import { isChatGptExport, readChatGptExport } from "./chatgpt-conversations.ts";
import type { ReadImport, SourceChat } from "./import-source.ts";

/** The most chats one file imports; the rest are reported skipped. */
export const MAX_IMPORTED_CHATS = 1_000;
/** The most messages of one imported chat (on all its branches). */
export const MAX_IMPORTED_MESSAGES = 5_000;
/** The longest imported message, in characters. */
export const MAX_IMPORTED_MESSAGE_CHARS = 100_000;
/** The most bytes of one chat's messages: they travel to the store as one bus message. */
const maxChatBytes = 8 * 1024 * 1024;

/** An id of this system for something of an imported file: the same file always gives the same ids. */
function importedId(userId: string, source: string, ...path: string[]): string {
  const digest = new Bun.CryptoHasher("sha256")
    .update([userId, source, ...path].join("\n"))
    .digest("base64url");
  return `i${digest.slice(0, 23)}`;
}

/** Why a chat cannot be imported, or null. */
function problemOf(chat: SourceChat): string | null {
  if (chat.messages.length > MAX_IMPORTED_MESSAGES) return `more than ${MAX_IMPORTED_MESSAGES} messages`;
  if (chat.messages.some((message) => message.content.length > MAX_IMPORTED_MESSAGE_CHARS)) {
    return `a message longer than ${MAX_IMPORTED_MESSAGE_CHARS} characters`;
  }
  if (Buffer.byteLength(JSON.stringify(chat.messages)) > maxChatBytes) return "more than 8 MiB of messages";
  return null;
}

/**
 * Imports a user's chats from a file whichever transport brought it: our own export (JSON,
 * every branch) or ChatGPT's `conversations.json`. Idempotent: ids come from the user, the file's
 * source and its own ids, so importing a file twice writes each chat once. Bounded: the body by
 * IMPORT_MAX_BYTES, the chats per file, the messages per chat and their length; what is left out
 * is reported with the reason.
 */
export class ChatImport {
  constructor(private readonly dependencies: { store: StoreClient; models: Pick<ModelCatalog, "list"> }) {}

  async import(userId: string, body: unknown, traceparent: string): Promise<ImportReport> {
    const read = this.read(body);
    const { models, defaultModel } = await this.dependencies.models.list(traceparent);
    const available = new Set(models.map((model) => model.id));
    const report: ImportReport = {
      source: read.source,
      imported: 0,
      alreadyImported: 0,
      chats: [],
      skipped: [...read.skipped],
    };
    for (const [index, chat] of read.chats.entries()) {
      const problem =
        index >= MAX_IMPORTED_CHATS
          ? `only the first ${MAX_IMPORTED_CHATS} chats of a file are imported`
          : problemOf(chat);
      if (problem) {
        report.skipped.push({ chat: chat.title, reason: problem });
        continue;
      }
      const chatId = importedId(userId, read.source, chat.sourceId);
      const idOf = (sourceId: string) => importedId(userId, read.source, chat.sourceId, sourceId);
      const known = new Set(chat.messages.map((message) => message.sourceId));
      const messages: Message[] = chat.messages.map((message) => ({
        id: idOf(message.sourceId),
        chatId,
        role: message.role,
        content: message.content,
        createdAt: message.createdAt,
        parentId:
          message.parentSourceId && known.has(message.parentSourceId) ? idOf(message.parentSourceId) : null,
        ...(message.model ? { model: message.model } : {}),
        ...(message.role === "assistant" ? { finishReason: "stop" as const } : {}),
      }));
      const leaf =
        chat.activeLeafSourceId && known.has(chat.activeLeafSourceId) ? idOf(chat.activeLeafSourceId) : null;
      const { created } = await this.dependencies.store.call(
        "store.import_chat",
        {
          userId,
          chat: {
            id: chatId,
            title: chat.title.slice(0, 200),
            model: chat.model && available.has(chat.model) ? chat.model : defaultModel,
            ...(chat.systemPrompt ? { systemPrompt: chat.systemPrompt } : {}),
            ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
            createdAt: chat.createdAt,
          },
          messages,
          activeLeafId: leaf ?? messages.at(-1)?.id ?? null,
        },
        traceparent,
      );
      if (created) report.imported += 1;
      else report.alreadyImported += 1;
      report.chats.push({ id: chatId, title: chat.title.slice(0, 200), messages: messages.length });
    }
    return report;
  }

  private read(body: unknown): ReadImport {
    if (isChatSystemExport(body)) {
      const read = readChatSystemExport(body);
      if (!read) {
        throw new AppError(
          "VALIDATION_FAILED",
          "The file is not a valid export of this version (chat-system-export 1)",
          {
            retryable: false,
          },
        );
      }
      return read;
    }
    if (isChatGptExport(body)) return readChatGptExport(body);
    throw new AppError(
      "VALIDATION_FAILED",
      "The file is neither an export of this app (format chat-system-export) nor ChatGPT's conversations.json",
      { retryable: false },
    );
  }
}
