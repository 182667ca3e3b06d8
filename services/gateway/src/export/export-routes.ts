import type { StoreClient } from "@chat/bus";
import {
  AppError,
  CHAT_EXPORT_FORMAT,
  CHAT_EXPORT_VERSION,
  ChatExportDocument,
  ChatIdParams,
  type ExportedChat,
  exportedChat,
} from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import { chatAsMarkdown } from "./export-markdown.ts";

/** Chats read per round while an account is exported. */
const chatsPerRound = 50;

/** A file name of the title: letters, digits and dashes, never a path. */
function fileNameOf(title: string, extension: string): string {
  const base = title
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${base || "chat"}.${extension}`;
}

/**
 * Exports: a chat as JSON (every branch, our versioned schema) or Markdown (the active path), and
 * the whole account as one JSON document, streamed chat by chat so a large account never sits
 * whole in memory. Served as downloads (`Content-Disposition: attachment`).
 */
export function exportRoutes(dependencies: { signedIn: SignedIn; store: StoreClient }) {
  const { store } = dependencies;

  async function exportOf(userId: string, chatId: string, traceparent: string): Promise<ExportedChat | null> {
    const stored = await store.call("store.export_chat", { chatId, userId }, traceparent);
    return stored ? exportedChat(stored.chat, stored.messages, stored.activeLeafId) : null;
  }

  return new Elysia({ name: "export-routes" })
    .use(apiModels)
    .model({ ChatExportDocument })
    .use(dependencies.signedIn)
    .get(
      "/api/chats/:id/export",
      async ({ params, query, user, traceparent, set }) => {
        const chat = await exportOf(user.id, params.id, traceparent);
        if (!chat) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
        const markdown = query.format === "markdown";
        set.headers["content-disposition"] =
          `attachment; filename="${fileNameOf(chat.title, markdown ? "md" : "json")}"`;
        if (markdown) {
          set.headers["content-type"] = "text/markdown; charset=utf-8";
          return chatAsMarkdown(chat);
        }
        return {
          format: CHAT_EXPORT_FORMAT,
          version: CHAT_EXPORT_VERSION,
          exportedAt: new Date().toISOString(),
          chats: [chat],
        } satisfies ChatExportDocument;
      },
      {
        params: ChatIdParams,
        query: t.Object({ format: t.Optional(t.Union([t.Literal("json"), t.Literal("markdown")])) }),
        response: {
          200: Type.Union([Type.Ref("ChatExportDocument"), Type.String({ description: "Markdown" })]),
          400: "ErrorBody",
          401: "ErrorBody",
          404: "ErrorBody",
        },
        detail: {
          tags: ["export"],
          summary: "Download a chat: JSON with every branch, or Markdown of the path shown",
          description:
            "`format=json` (the default) answers a `ChatExportDocument` (format `chat-system-export`, " +
            "version 1): the chat's settings, every message on every branch with its `parentId`, and " +
            "`activeLeafId`. `format=markdown` answers the title, instructions and the active path.",
        },
      },
    )
    .get(
      "/api/me/export",
      ({ user, traceparent, set }) => {
        set.headers["content-type"] = "application/json; charset=utf-8";
        set.headers["content-disposition"] = 'attachment; filename="chat-export.json"';
        const encoder = new TextEncoder();
        const head = {
          format: CHAT_EXPORT_FORMAT,
          version: CHAT_EXPORT_VERSION,
          exportedAt: new Date().toISOString(),
          account: { id: user.id, email: user.email, name: user.name },
        };
        return new ReadableStream<Uint8Array>({
          async start(controller) {
            try {
              const opening = JSON.stringify(head);
              controller.enqueue(encoder.encode(`${opening.slice(0, -1)},"chats":[`));
              let cursor: string | undefined;
              let first = true;
              do {
                const page = await store.call(
                  "store.list_chats",
                  { userId: user.id, limit: chatsPerRound, ...(cursor ? { cursor } : {}) },
                  traceparent,
                );
                for (const listed of page.items) {
                  const chat = await exportOf(user.id, listed.id, traceparent);
                  if (!chat) continue;
                  controller.enqueue(encoder.encode(`${first ? "" : ","}${JSON.stringify(chat)}`));
                  first = false;
                }
                cursor = page.nextCursor ?? undefined;
              } while (cursor);
              controller.enqueue(encoder.encode("]}"));
              controller.close();
            } catch (error) {
              controller.error(error);
            }
          },
        });
      },
      {
        detail: {
          tags: ["export"],
          summary: "Download everything of the account: every chat with every branch, as one JSON document",
          description:
            "A `ChatExportDocument` with `account` and all chats, streamed chat by chat. Files sent " +
            "in chats are listed by name; download them from their attachments.",
          responses: {
            200: {
              description: "The export",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/ChatExportDocument" } },
              },
            },
            401: { description: "Not signed in" },
          },
        },
      },
    );
}
