import type { StoreClient } from "@chat/bus";
import {
  AppError,
  type Chat,
  type ChatWithMessages,
  type CreateChatBody,
  DEFAULT_CHAT_TITLE,
} from "@chat/contracts";
import type { ModelCatalog } from "./model-catalog.ts";

/** How many of the newest messages a chat is read with. */
const chatMessagesShown = 100;

function chatNotFound(): AppError {
  return new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
}

function projectNotFound(): never {
  throw new AppError("PROJECT_NOT_FOUND", "Project not found", { retryable: false });
}

/** A page of a user's chats, newest activity first. */
export type ChatPage = { chats: Chat[]; nextCursor: string | null };

/**
 * The chats of one user as the store keeps them: created, listed and read here, whichever API
 * asks (`/api/chats`, or the Go Chat compatible `/api/projects`). Writes to an existing chat go
 * through its actor (`ChatCommands`).
 *
 * @example
 * const chat = await userChats.create(user.id, { title: "Trip" }, traceparent);
 */
export class UserChats {
  constructor(
    private readonly dependencies: {
      store: Pick<StoreClient, "call">;
      models: Pick<ModelCatalog, "resolve">;
      newId: () => string;
    },
  ) {}

  /**
   * A new chat, in a project of the user when `projectId` names one (PROJECT_NOT_FOUND otherwise):
   * the named model, else the project's, else the deployment's default (MODEL_NOT_AVAILABLE when unknown).
   */
  async create(userId: string, body: CreateChatBody, traceparent: string): Promise<Chat> {
    const { store } = this.dependencies;
    const project =
      body.projectId === undefined
        ? null
        : ((await store.call("store.get_chat_project", { userId, projectId: body.projectId }, traceparent)) ??
          projectNotFound());
    const model = await this.dependencies.models.resolve(body.model ?? project?.model, traceparent);
    return store.call(
      "store.create_chat",
      {
        userId,
        chat: {
          id: this.dependencies.newId(),
          title: body.title?.trim() || DEFAULT_CHAT_TITLE,
          model: model.id,
          ...(body.systemPrompt?.trim() ? { systemPrompt: body.systemPrompt.trim() } : {}),
          ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
          ...(project && { projectId: project.id }),
          createdAt: new Date().toISOString(),
        },
      },
      traceparent,
    );
  }

  /** A page of the user's chats, pinned ones first; only those of `projectId`, or of the archive, when asked. */
  async list(
    userId: string,
    page: { cursor?: string; limit: number; projectId?: string; archived?: boolean },
    traceparent: string,
  ): Promise<ChatPage> {
    const found = await this.dependencies.store.call("store.list_chats", { userId, ...page }, traceparent);
    return { chats: found.items, nextCursor: found.nextCursor };
  }

  /** Throws CHAT_NOT_FOUND unless the chat is the user's. */
  async checkOwner(userId: string, chatId: string, traceparent: string): Promise<void> {
    const found = await this.dependencies.store.call(
      "store.get_chat",
      { chatId, userId, messageLimit: 0 },
      traceparent,
    );
    if (!found) throw chatNotFound();
  }

  /** The chat with the newest messages of its active path; CHAT_NOT_FOUND for another user's. */
  async read(userId: string, chatId: string, traceparent: string): Promise<ChatWithMessages> {
    const found = await this.dependencies.store.call(
      "store.get_chat",
      { chatId, userId, messageLimit: chatMessagesShown },
      traceparent,
    );
    if (!found) throw chatNotFound();
    return { ...found.chat, messages: found.messages, hasOlderMessages: found.hasOlderMessages };
  }
}
