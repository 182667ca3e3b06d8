import type { ChatCommandClient } from "@chat/bus";
import {
  AppError,
  type BranchSwitched,
  type CancelReply,
  type Chat,
  DEFAULT_CHAT_TITLE,
  type EditMessageBody,
  type EditMessageResponse,
  type MessageAttachment,
  type RegenerateBody,
  type RegenerateResponse,
  type SendMessageBody,
  type SendMessageResponse,
  type SwitchBranchBody,
  type UpdateChatBody,
} from "@chat/contracts";
import { checkMessageLength } from "../limits/message-length.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import type { ImageInputCheck } from "./image-input-check.ts";
import type { ModelCatalog } from "./model-catalog.ts";

/** Who sends a command, to which chat, under which trace. */
export type ChatCommandTarget = { userId: string; chatId: string; traceparent: string };

/** Runs once every check has passed, just before the command goes out (the WebSocket subscribes there). */
export type BeforeCommand = () => Promise<unknown>;

export type ChatCommandsDependencies = {
  /** Builds each command and checks each reply against its schema. */
  client: Pick<
    ChatCommandClient,
    "send" | "regenerate" | "edit" | "switchBranch" | "cancel" | "update" | "delete"
  >;
  models: Pick<ModelCatalog, "resolve">;
  /** Refuses images for a model that cannot see them. */
  imageInput: Pick<ImageInputCheck, "check">;
  rateLimits: Pick<RateLimits, "takeGeneration">;
  /** MAX_MESSAGE_CHARS: the longest message, at most the schema's limit. */
  maxMessageChars: number;
  newId: () => string;
  /**
   * Resolves a message's `attachmentIds` to the sender's attachments (ATTACHMENT_NOT_FOUND for
   * another user's); absent, a message with attachments is refused.
   */
  attachments?: {
    forMessage(
      userId: string,
      chatId: string,
      ids: string[],
      traceparent: string,
    ): Promise<MessageAttachment[]>;
  };
};

/**
 * The commands a user sends to one of their chats, whichever transport carried them (HTTP or
 * WebSocket): the checks and limits, the model choice, the typed command and its typed reply.
 *
 * @example
 * const reply = await commands.send({ userId, chatId, traceparent }, { content: "Hi" });
 */
export class ChatCommands {
  constructor(private readonly dependencies: ChatCommandsDependencies) {}

  /** Sends a message; its answer streams on the chat's events. */
  async send(
    target: ChatCommandTarget,
    body: SendMessageBody,
    beforeCommand?: BeforeCommand,
  ): Promise<SendMessageResponse> {
    checkMessageLength(body.content, this.dependencies.maxMessageChars);
    if (body.content.trim() === "" && !body.attachmentIds?.length)
      throw new AppError("VALIDATION_FAILED", "A message needs text or an attachment", {
        retryable: false,
        details: [{ path: "/content", message: "must not be blank when no attachmentIds are given" }],
      });
    const attachments = await this.attachmentsOf(target, body.attachmentIds ?? []);
    await this.dependencies.rateLimits.takeGeneration(target.userId);
    const model = await this.chosenModel(body.model, target.traceparent);
    await this.dependencies.imageInput.check(target, attachments, model);
    await beforeCommand?.();
    const { userMessage, assistantMessageId, heldBy } = await this.dependencies.client.send(
      {
        chatId: target.chatId,
        userId: target.userId,
        content: body.content,
        clientMessageId: body.clientMessageId ?? this.dependencies.newId(),
        ...(model ? { model } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
      },
      target.traceparent,
    );
    return {
      userMessage,
      ...(assistantMessageId ? { assistantMessageId } : {}),
      ...(heldBy ? { heldBy } : {}),
    };
  }

  /** Answers the latest question of the active path again; the answer it names stays as a version. */
  async regenerate(
    target: ChatCommandTarget,
    body: RegenerateBody,
    beforeCommand?: BeforeCommand,
  ): Promise<RegenerateResponse> {
    await this.dependencies.rateLimits.takeGeneration(target.userId);
    const model = await this.chosenModel(body.model, target.traceparent);
    await beforeCommand?.();
    const reply = await this.dependencies.client.regenerate(
      {
        chatId: target.chatId,
        userId: target.userId,
        messageId: body.messageId,
        clientMessageId: body.clientMessageId ?? this.dependencies.newId(),
        ...(model ? { model } : {}),
      },
      target.traceparent,
    );
    // The actor refuses a regenerate while the chat is held, so an answer is always being written.
    if (!reply.assistantMessageId) throw new AppError("CHAT_HELD", "An agent is holding this chat");
    // A regenerate is always a new version of the answer it names, also when repeated by clientMessageId.
    return {
      userMessage: reply.userMessage,
      assistantMessageId: reply.assistantMessageId,
      replacedMessageId: reply.replacedMessageId ?? body.messageId,
    };
  }

  /**
   * Sends a new version of the question `messageId` (any question of the chat), branching from the
   * question's parent; its answer streams on the chat's events. Checked and counted as a message.
   */
  async edit(
    target: ChatCommandTarget,
    messageId: string,
    body: EditMessageBody,
    beforeCommand?: BeforeCommand,
  ): Promise<EditMessageResponse> {
    checkMessageLength(body.content, this.dependencies.maxMessageChars);
    await this.dependencies.rateLimits.takeGeneration(target.userId);
    const model = await this.chosenModel(body.model, target.traceparent);
    await beforeCommand?.();
    const reply = await this.dependencies.client.edit(
      {
        chatId: target.chatId,
        userId: target.userId,
        messageId,
        content: body.content,
        clientMessageId: body.clientMessageId ?? this.dependencies.newId(),
        ...(model ? { model } : {}),
      },
      target.traceparent,
    );
    // The actor refuses an edit while the chat is held, so an answer is always being written.
    if (!reply.assistantMessageId) throw new AppError("CHAT_HELD", "An agent is holding this chat");
    return {
      userMessage: reply.userMessage,
      assistantMessageId: reply.assistantMessageId,
      editedMessageId: messageId,
    };
  }

  /** Makes the branch through a message the active path (CHAT_BUSY while an answer streams). */
  switchBranch(target: ChatCommandTarget, body: SwitchBranchBody): Promise<BranchSwitched> {
    return this.dependencies.client.switchBranch(
      { chatId: target.chatId, userId: target.userId, messageId: body.messageId },
      target.traceparent,
    );
  }

  /** Stops the answer being generated, if one is. */
  cancel(target: ChatCommandTarget): Promise<CancelReply> {
    return this.dependencies.client.cancel(
      { chatId: target.chatId, userId: target.userId },
      target.traceparent,
    );
  }

  /**
   * Renames a chat (an empty title restores the default), changes its model, its system prompt or its
   * temperature (null restores the model's default), moves it into a project or out (PROJECT_NOT_FOUND
   * for another user's), pins or archives it.
   */
  async update(target: ChatCommandTarget, body: UpdateChatBody): Promise<Chat> {
    if (Object.values(body).every((value) => value === undefined))
      throw new AppError("VALIDATION_FAILED", "Name at least one setting to change", { retryable: false });
    const model = await this.chosenModel(body.model, target.traceparent);
    return this.dependencies.client.update(
      {
        chatId: target.chatId,
        userId: target.userId,
        ...(body.title !== undefined ? { title: body.title.trim() || DEFAULT_CHAT_TITLE } : {}),
        ...(body.model !== undefined ? { model } : {}),
        ...(body.systemPrompt !== undefined ? { systemPrompt: body.systemPrompt.trim() } : {}),
        ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
        ...(body.projectId !== undefined && { projectId: body.projectId }),
        ...(body.pinned !== undefined && { pinned: body.pinned }),
        ...(body.archived !== undefined && { archived: body.archived }),
      },
      target.traceparent,
    );
  }

  /** Deletes a chat and its messages. */
  async delete(target: ChatCommandTarget): Promise<void> {
    await this.dependencies.client.delete(
      { chatId: target.chatId, userId: target.userId },
      target.traceparent,
    );
  }

  private async attachmentsOf(target: ChatCommandTarget, ids: string[]): Promise<MessageAttachment[]> {
    if (ids.length === 0) return [];
    const resolver = this.dependencies.attachments;
    if (!resolver) {
      throw new AppError("VALIDATION_FAILED", "This transport takes no attachments", { retryable: false });
    }
    return resolver.forMessage(target.userId, target.chatId, ids, target.traceparent);
  }

  /** The id of the model asked for (MODEL_NOT_AVAILABLE when unknown), or none to keep the chat's. */
  private async chosenModel(model: string | undefined, traceparent: string): Promise<string | undefined> {
    return model === undefined ? undefined : (await this.dependencies.models.resolve(model, traceparent)).id;
  }
}
