import type { Bus } from "@chat/bus";
import {
  type CancelGenerationCommand,
  type CancelReply,
  type Chat,
  DEFAULT_CHAT_TITLE,
  type DeleteChatCommand,
  newEnvelope,
  type RegenerateAnswerCommand,
  type RegenerateBody,
  type RegenerateResponse,
  type SendMessageBody,
  type SendMessageCommand,
  type SendMessageResponse,
  type UpdateChatBody,
  type UpdateChatCommand,
} from "@chat/contracts";
import { checkMessageLength } from "../limits/message-length.ts";
import type { RateLimits } from "../limits/rate-limits.ts";
import type { ModelCatalog } from "./model-catalog.ts";

/** Each chat command the gateway sends, with the reply its chat's actor answers. */
type ChatCommandReplies = {
  send_message: { command: SendMessageCommand; reply: SendMessageResponse };
  regenerate_answer: { command: RegenerateAnswerCommand; reply: RegenerateResponse };
  cancel_generation: { command: CancelGenerationCommand; reply: CancelReply };
  update_chat: { command: UpdateChatCommand; reply: Chat };
  delete_chat: { command: DeleteChatCommand; reply: unknown };
};

/** Who sends a command, to which chat, under which trace. */
export type ChatCommandTarget = { userId: string; chatId: string; traceparent: string };

/** Runs once every check has passed, just before the command goes out (the WebSocket subscribes there). */
export type BeforeCommand = () => Promise<unknown>;

export type ChatCommandsDependencies = {
  bus: Pick<Bus, "requestCommand">;
  models: Pick<ModelCatalog, "resolve">;
  rateLimits: Pick<RateLimits, "takeGeneration">;
  commandTimeoutMs: number;
  /** MAX_MESSAGE_CHARS: the longest message, at most the schema's limit. */
  maxMessageChars: number;
  newId: () => string;
  now?: () => Date;
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
    await this.dependencies.rateLimits.takeGeneration(target.userId);
    const model = await this.chosenModel(body.model, target.traceparent);
    await beforeCommand?.();
    return this.request("send_message", target, {
      content: body.content,
      clientMessageId: body.clientMessageId ?? this.dependencies.newId(),
      ...(model ? { model } : {}),
    });
  }

  /** Answers the latest question again, replacing the latest answer. */
  async regenerate(
    target: ChatCommandTarget,
    body: RegenerateBody,
    beforeCommand?: BeforeCommand,
  ): Promise<RegenerateResponse> {
    await this.dependencies.rateLimits.takeGeneration(target.userId);
    const model = await this.chosenModel(body.model, target.traceparent);
    await beforeCommand?.();
    return this.request("regenerate_answer", target, {
      messageId: body.messageId,
      clientMessageId: body.clientMessageId ?? this.dependencies.newId(),
      ...(model ? { model } : {}),
    });
  }

  /** Stops the answer being generated, if one is. */
  cancel(target: ChatCommandTarget): Promise<CancelReply> {
    return this.request("cancel_generation", target, {});
  }

  /** Renames a chat (an empty title restores the default), changes its model or its system prompt. */
  async update(target: ChatCommandTarget, body: UpdateChatBody): Promise<Chat> {
    const model = await this.chosenModel(body.model, target.traceparent);
    return this.request("update_chat", target, {
      ...(body.title !== undefined ? { title: body.title.trim() || DEFAULT_CHAT_TITLE } : {}),
      ...(body.model !== undefined ? { model } : {}),
      ...(body.systemPrompt !== undefined ? { systemPrompt: body.systemPrompt.trim() } : {}),
    });
  }

  /** Deletes a chat and its messages. */
  async delete(target: ChatCommandTarget): Promise<void> {
    await this.request("delete_chat", target, {});
  }

  /** The id of the model asked for (MODEL_NOT_AVAILABLE when unknown), or none to keep the chat's. */
  private async chosenModel(model: string | undefined, traceparent: string): Promise<string | undefined> {
    return model === undefined ? undefined : (await this.dependencies.models.resolve(model, traceparent)).id;
  }

  private request<T extends keyof ChatCommandReplies>(
    type: T,
    target: ChatCommandTarget,
    fields: Omit<ChatCommandReplies[T]["command"], keyof ReturnType<typeof newEnvelope> | "userId">,
  ): Promise<ChatCommandReplies[T]["reply"]> {
    const { bus, commandTimeoutMs, newId, now = () => new Date() } = this.dependencies;
    const envelope = newEnvelope(type, target.chatId, {
      id: newId(),
      traceparent: target.traceparent,
      now: now(),
    });
    const command = { ...envelope, userId: target.userId, ...fields } as ChatCommandReplies[T]["command"];
    return bus.requestCommand<ChatCommandReplies[T]["reply"]>(command, commandTimeoutMs);
  }
}
