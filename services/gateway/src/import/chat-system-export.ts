import { CHAT_EXPORT_FORMAT, ChatExportDocument } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import type { ReadImport } from "./import-source.ts";

/** Whether a file is one of our own exports (any version: the check of its shape comes next). */
export function isChatSystemExport(body: unknown): body is { format: string } {
  return (
    typeof body === "object" && body !== null && (body as { format?: unknown }).format === CHAT_EXPORT_FORMAT
  );
}

/** Reads our own export (`ChatExportDocument`); null when it is not a valid one of this version. */
export function readChatSystemExport(body: unknown): ReadImport | null {
  if (!Value.Check(ChatExportDocument, body)) return null;
  return {
    source: "chat-system",
    skipped: [],
    chats: body.chats.map((chat) => ({
      sourceId: chat.id,
      title: chat.title,
      model: chat.model,
      ...(chat.systemPrompt ? { systemPrompt: chat.systemPrompt } : {}),
      ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
      createdAt: chat.createdAt,
      activeLeafSourceId: chat.activeLeafId,
      messages: chat.messages.map((message) => ({
        sourceId: message.id,
        parentSourceId: message.parentId,
        role: message.role,
        content: message.content,
        createdAt: message.createdAt,
        ...(message.model ? { model: message.model } : {}),
      })),
    })),
  };
}
