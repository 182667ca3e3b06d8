import { type Static, type TProperties, Type } from "@sinclair/typebox";
import { type ChatEventType, chatEventDataSchemas, chatEventTypes } from "./events.ts";
import { FinishReason, Id, Message, MessageRole, Role } from "./http.ts";

/** Version of the bus message shapes; bumped when a shape changes incompatibly. */
export const BUS_MESSAGE_VERSION = 1;

/** Fields every bus message carries. */
export const EnvelopeFields = {
  id: Type.String({ minLength: 1, description: "Unique per message; used for idempotency and logs" }),
  v: Type.Literal(BUS_MESSAGE_VERSION),
  chatId: Type.String({ description: "The chat this message is about; empty when it is about none" }),
  occurredAt: Type.String({ format: "date-time" }),
  traceparent: Type.String({ description: "W3C trace context of the request that caused it" }),
};

export type Envelope = {
  id: string;
  type: string;
  v: typeof BUS_MESSAGE_VERSION;
  chatId: string;
  occurredAt: string;
  traceparent: string;
};

function busMessage<T extends string, P extends TProperties>(type: T, properties: P) {
  return Type.Object({ ...EnvelopeFields, type: Type.Literal(type), ...properties });
}

// Commands to one chat's actor, routed to its partition.
export const SendMessageCommand = busMessage("send_message", {
  userId: Id,
  content: Type.String({ minLength: 1 }),
  clientMessageId: Type.String({ minLength: 1 }),
});
export const RenameChatCommand = busMessage("rename_chat", {
  userId: Id,
  title: Type.String({ minLength: 1 }),
});
export const DeleteChatCommand = busMessage("delete_chat", { userId: Id });
export const GenerationFinishedCommand = busMessage("generation_finished", {
  userId: Id,
  assistantMessageId: Id,
  finishReason: FinishReason,
  fullContent: Type.String(),
});
/** Stops the chat's running generation; the partial answer is kept with finishReason "cancelled". */
export const CancelGenerationCommand = busMessage("cancel_generation", { userId: Id });
export const ChatCommand = Type.Union([
  SendMessageCommand,
  RenameChatCommand,
  DeleteChatCommand,
  GenerationFinishedCommand,
  CancelGenerationCommand,
]);
export type CancelGenerationCommand = Static<typeof CancelGenerationCommand>;

/** What a cancel answers: whether a generation was running, and which message it was writing. */
export const CancelReply = Type.Object(
  { cancelled: Type.Boolean(), messageId: Type.Union([Id, Type.Null()]) },
  { $id: "CancelReply" },
);
export type CancelReply = Static<typeof CancelReply>;

/**
 * Internal signal from the chat actor to every orchestrator instance (routing key
 * `chat.<chatId>.generation_cancel`): abort the generation of this message, wherever it runs.
 */
export const GenerationCancelSignal = busMessage("generation_cancel", { userId: Id, assistantMessageId: Id });
export type GenerationCancelSignal = Static<typeof GenerationCancelSignal>;
export type SendMessageCommand = Static<typeof SendMessageCommand>;
export type RenameChatCommand = Static<typeof RenameChatCommand>;
export type DeleteChatCommand = Static<typeof DeleteChatCommand>;
export type GenerationFinishedCommand = Static<typeof GenerationFinishedCommand>;
export type ChatCommand = Static<typeof ChatCommand>;

/** One turn of model context. */
export const ContextMessage = Type.Object({
  role: Type.Union([MessageRole, Type.Literal("system")]),
  content: Type.String(),
});
export type ContextMessage = Static<typeof ContextMessage>;

// Work for the orchestrators (queue `ai.generate`).
export const GenerationRequest = busMessage("generation_requested", {
  userId: Id,
  assistantMessageId: Id,
  model: Type.String(),
  messages: Type.Array(ContextMessage, { minItems: 1 }),
});
export type GenerationRequest = Static<typeof GenerationRequest>;

function chatEventMessage<T extends ChatEventType>(type: T) {
  return busMessage(type, {
    userId: Id,
    eventId: Type.String({ minLength: 1, description: "Id from the chat's replay log" }),
    data: chatEventDataSchemas[type],
  });
}

/** A client-visible event on the `chat.events` topic exchange. */
export const ChatEventMessage = Type.Union(chatEventTypes.map(chatEventMessage));
export type ChatEventMessage = {
  [T in ChatEventType]: Envelope & {
    type: T;
    userId: string;
    eventId: string;
    data: Static<(typeof chatEventDataSchemas)[T]>;
  };
}[ChatEventType];

/** Routing key of an event about a chat. */
export function chatEventKey(chatId: string, type: string): string {
  return `chat.${chatId}.${type}`;
}

/** Routing key of the internal signal that asks the orchestrators to abort a chat's generation. */
export function generationCancelKey(chatId: string): string {
  return `control.${chatId}.generation_cancel`;
}

/** Routing key of an event for every connection of one user. */
export function userEventKey(userId: string, type: string): string {
  return `user.${userId}.${type}`;
}

// Requests to the message store (request/reply).
export const StoredUser = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  passwordHash: Type.String(),
  createdAt: Type.String(),
});
export type StoredUser = Static<typeof StoredUser>;

const ChatOwner = { chatId: Id, userId: Id };
const Page = { cursor: Type.Optional(Type.String()), limit: Type.Integer({ minimum: 1, maximum: 500 }) };

export const StoreRequest = Type.Union([
  busMessage("store.create_user", { user: StoredUser }),
  busMessage("store.find_user_by_email", { email: Type.String() }),
  busMessage("store.find_user_by_id", { userId: Id }),
  busMessage("store.create_chat", {
    userId: Id,
    chat: Type.Object({ id: Id, title: Type.String(), model: Type.String(), createdAt: Type.String() }),
  }),
  busMessage("store.get_chat", { ...ChatOwner, messageLimit: Type.Integer({ minimum: 0, maximum: 500 }) }),
  busMessage("store.list_chats", { userId: Id, ...Page }),
  busMessage("store.list_messages", { ...ChatOwner, ...Page }),
  busMessage("store.append_message", { userId: Id, message: Message }),
  busMessage("store.rename_chat", { ...ChatOwner, title: Type.String() }),
  busMessage("store.delete_chat", ChatOwner),
]);
export type StoreRequest = Static<typeof StoreRequest>;
export type StoreRequestOf<T extends StoreRequest["type"]> = Extract<StoreRequest, { type: T }>;

/** Builds an envelope for a new bus message. */
export function newEnvelope<T extends string>(
  type: T,
  chatId: string,
  context: { traceparent: string; id: string; now: Date },
): Envelope & { type: T } {
  return {
    id: context.id,
    type,
    v: BUS_MESSAGE_VERSION,
    chatId,
    occurredAt: context.now.toISOString(),
    traceparent: context.traceparent,
  };
}
