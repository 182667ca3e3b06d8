import { ChatCommandClient, type RequestOptions, type StoreClient } from "@chat/bus";
import {
  AppError,
  type Chat,
  type ChatCommand,
  type Envelope,
  type Message,
  type ModelSummary,
  type User,
} from "@chat/contracts";
import { createLogger } from "@chat/runtime";
import { MemoryActorState } from "@chat/state";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { RateLimits } from "../../limits/rate-limits.ts";
import { ChatAssistanceCommands } from "../chat-assistance.ts";
import { ChatCommands } from "../chat-commands.ts";
import { ImageInputCheck } from "../image-input-check.ts";
import type { ModelCatalog } from "../model-catalog.ts";

/** The signed-in user of every fake request. */
export const fakeUser: User = { id: "user-1", email: "ada@example.com", name: "Ada", role: "user" };
/** A chat of `fakeUser`. */
export const fakeChat: Chat = {
  id: "chat-1",
  title: "A chat",
  model: "demo",
  createdAt: "2026-01-01T00:00:00.000Z",
  lastActivityAt: "2026-01-01T00:00:00.000Z",
};
const demoModel: ModelSummary = {
  id: "demo",
  displayName: "Demo",
  provider: "demo",
  contextWindow: 8_000,
  maxOutputTokens: 1_000,
  inputPricePerMillion: 0,
  outputPricePerMillion: 0,
  vision: true,
};

/** The chat actor's answer to each command, as the session service gives it. */
function actorReply(command: ChatCommand): unknown {
  if (command.chatId !== fakeChat.id || command.userId !== fakeUser.id) {
    throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
  }
  const userMessage = (content: string, clientMessageId: string): Message => ({
    id: `message-of-${clientMessageId}`,
    chatId: command.chatId,
    role: "user",
    content,
    createdAt: "2026-01-01T00:00:01.000Z",
    clientMessageId,
  });
  switch (command.type) {
    case "send_message":
      return {
        userMessage: userMessage(command.content, command.clientMessageId),
        assistantMessageId: "answer-1",
      };
    case "regenerate_answer":
      if (command.messageId !== "answer-1") {
        throw new AppError("NOT_LATEST_ANSWER", "Only the latest answer can be regenerated", {
          retryable: false,
        });
      }
      return {
        userMessage: userMessage("the question", "question"),
        assistantMessageId: "answer-2",
        replacedMessageId: command.messageId,
      };
    case "cancel_generation":
      return { cancelled: true, messageId: "answer-1" };
    case "update_chat":
      return {
        ...fakeChat,
        ...(command.title === undefined ? {} : { title: command.title }),
        ...(command.model === undefined ? {} : { model: command.model }),
      };
    case "delete_chat":
      return { deleted: true };
    case "request_help":
      return {
        chatId: command.chatId,
        needsHelp: true,
        assisted: false,
        heldBy: null,
        ...(command.note ? { helpNote: command.note } : {}),
      };
    case "cancel_help_request":
      return { chatId: command.chatId, needsHelp: false, assisted: false, heldBy: null };
    default:
      throw new Error(`unexpected command ${command.type}`);
  }
}

/**
 * Everything behind the chat commands, in memory: a bus whose chat actor answers as the session
 * service does (and records each command), one model ("demo"), a store that knows `fakeChat`, and
 * the real rate limits over memory.
 */
export function fakeChatBackend(options: { generationsPerMinute?: number; maxMessageChars?: number } = {}) {
  const sent: ChatCommand[] = [];
  // The chat actor behind a bus that checks each reply against its schema, as the real ones do.
  const bus = {
    async requestCommand<S extends TSchema>(
      command: Envelope,
      options: RequestOptions<S>,
    ): Promise<Static<S>> {
      const chatCommand = command as ChatCommand;
      sent.push(chatCommand);
      const reply = JSON.parse(JSON.stringify(actorReply(chatCommand)));
      if (!Value.Check(options.replySchema, reply))
        throw new Error(`the ${command.type} reply fails its schema`);
      return reply;
    },
    async sendCommand(command: Envelope): Promise<void> {
      throw new Error(`unexpected command without a reply: ${command.type}`);
    },
  };
  const models: Pick<ModelCatalog, "resolve"> = {
    async resolve(modelId) {
      const wanted = modelId ?? demoModel.id;
      if (wanted !== demoModel.id) {
        throw new AppError("MODEL_NOT_AVAILABLE", `Model "${wanted}" is not available; see GET /api/models`, {
          retryable: false,
        });
      }
      return demoModel;
    },
  };
  const store = {
    async call(type: string, fields: { chatId?: string; userId?: string }) {
      if (type !== "store.get_chat") throw new Error(`unexpected store call ${type}`);
      const known = fields.chatId === fakeChat.id && fields.userId === fakeUser.id;
      return known ? { chat: fakeChat, messages: [], hasOlderMessages: false } : null;
    },
  } as unknown as Pick<StoreClient, "call">;
  const logger = createLogger("chat-commands-test", "silent");
  const actorState = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 100 });
  const perMinute = options.generationsPerMinute ?? 1_000;
  const rateLimits = new RateLimits(
    actorState.rateLimiter,
    {
      RATE_LIMIT_IP_PER_MINUTE: 1_000,
      RATE_LIMIT_USER_PER_MINUTE: 1_000,
      RATE_LIMIT_AUTH_PER_MINUTE: 1_000,
      RATE_LIMIT_ACCOUNT_PER_MINUTE: 1_000,
      RATE_LIMIT_WS_FRAMES_PER_MINUTE: 1_000,
      GENERATIONS_PER_USER_PER_MINUTE: perMinute,
      SPEECH_PER_USER_PER_MINUTE: 1_000,
      MAX_STREAMS_PER_USER: 10,
    },
    { logger },
  );
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const commands = new ChatCommands({
    client: new ChatCommandClient(bus, {
      timeoutMs: 1_000,
      newId,
      now: () => new Date("2026-01-01T00:00:00.000Z"),
    }),
    models,
    imageInput: new ImageInputCheck({ models, store }),
    rateLimits,
    maxMessageChars: options.maxMessageChars ?? 100,
    newId,
  });
  const assistance = new ChatAssistanceCommands({
    client: new ChatCommandClient(bus, { timeoutMs: 1_000, newId }),
    store,
    access: {
      check: async () => {
        throw new AppError("ROUTE_NOT_FOUND", "No such route", { retryable: false });
      },
    },
    newId,
  });
  return { sent, bus, models, store, logger, actorState, rateLimits, commands, assistance };
}
