import { type Static, type TProperties, Type } from "@sinclair/typebox";
import { SerializedError } from "./errors.ts";
import { type ChatEventType, chatEventDataSchemas, chatEventTypes } from "./events.ts";
import {
  ApiKey,
  CodeBlock,
  FinishReason,
  Id,
  MAX_SEARCH_QUERY_CHARS,
  Message,
  MessageRole,
  Role,
  Usage,
} from "./http.ts";

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
  model: Type.Optional(Type.String({ description: "Answer with this model instead of the chat's" })),
});
/** Answers the chat's latest question again, replacing the answer `messageId` (its latest message). */
export const RegenerateAnswerCommand = busMessage("regenerate_answer", {
  userId: Id,
  messageId: Id,
  clientMessageId: Type.String({ minLength: 1 }),
  model: Type.Optional(Type.String({ description: "Answer with this model instead of the chat's" })),
});
const ChatSettings = {
  title: Type.Optional(Type.String({ minLength: 1 })),
  model: Type.Optional(Type.String({ minLength: 1 })),
  systemPrompt: Type.Optional(Type.String()),
};
export const UpdateChatCommand = busMessage("update_chat", {
  userId: Id,
  ...ChatSettings,
  onlyIfTitle: Type.Optional(
    Type.String({ description: "Change the title only while it still is this one (auto-titling)" }),
  ),
});
export const DeleteChatCommand = busMessage("delete_chat", { userId: Id });
/**
 * The orchestrator's report that an answer is written: the chat's actor frees the chat and then
 * publishes `message_complete` from it, so a client that sees the answer complete can send at once.
 */
export const GenerationFinishedCommand = busMessage("generation_finished", {
  userId: Id,
  assistantMessageId: Id,
  finishReason: FinishReason,
  fullContent: Type.String(),
  codeBlocks: Type.Array(CodeBlock),
  usage: Usage,
  model: Type.String(),
  answerCreatedAt: Type.String({ format: "date-time", description: "The answer's createdAt" }),
});
/**
 * Ends an answer whose writer is gone, from its last checkpoint (an `AnswerDraft`): the actor
 * publishes it complete with finishReason "interrupted" unless the answer is still being written
 * by a turn that has not timed out, or was finished meanwhile.
 */
export const RecoverAnswerCommand = busMessage("recover_answer", {
  userId: Id,
  assistantMessageId: Id,
  content: Type.String(),
  model: Type.String(),
  answerCreatedAt: Type.String({ format: "date-time" }),
});
/** Stops the chat's running generation; the partial answer is kept with finishReason "cancelled". */
export const CancelGenerationCommand = busMessage("cancel_generation", { userId: Id });
export const ChatCommand = Type.Union([
  SendMessageCommand,
  RegenerateAnswerCommand,
  UpdateChatCommand,
  DeleteChatCommand,
  GenerationFinishedCommand,
  CancelGenerationCommand,
  RecoverAnswerCommand,
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
export type RegenerateAnswerCommand = Static<typeof RegenerateAnswerCommand>;
export type UpdateChatCommand = Static<typeof UpdateChatCommand>;
export type DeleteChatCommand = Static<typeof DeleteChatCommand>;
export type GenerationFinishedCommand = Static<typeof GenerationFinishedCommand>;
export type RecoverAnswerCommand = Static<typeof RecoverAnswerCommand>;
export type ChatCommand = Static<typeof ChatCommand>;

/** One turn of model context. */
export const ContextMessage = Type.Object({
  role: Type.Union([MessageRole, Type.Literal("system")]),
  content: Type.String(),
});
export type ContextMessage = Static<typeof ContextMessage>;

// Work for the orchestrators (queue `ai.generate`).
/** The answer to a user's message in a chat: streamed as chat events, stored when complete. */
export const GenerationRequest = busMessage("generation_requested", {
  userId: Id,
  assistantMessageId: Id,
  model: Type.String(),
  systemPrompt: Type.Optional(Type.String({ description: "The chat's own; the deployment's comes first" })),
  messages: Type.Array(ContextMessage, {
    minItems: 1,
    description: "History, oldest first, ending with the user's",
  }),
});
export type GenerationRequest = Static<typeof GenerationRequest>;

/** A short title for a chat after its first exchange; answered with an `update_chat` command. */
export const TitleRequest = busMessage("title_requested", {
  userId: Id,
  model: Type.String(),
  question: Type.String(),
  answer: Type.String(),
  currentTitle: Type.String(),
});
export type TitleRequest = Static<typeof TitleRequest>;

/**
 * A completion for the OpenAI-compatible API: no chat, streamed back on
 * `completion.<completionId>.*` to the gateway that waits for it.
 */
export const CompletionRequest = busMessage("completion_requested", {
  userId: Id,
  completionId: Id,
  model: Type.String(),
  messages: Type.Array(ContextMessage, { minItems: 1 }),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  topP: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
});
export type CompletionRequest = Static<typeof CompletionRequest>;

export const GenerationWork = Type.Union([GenerationRequest, TitleRequest, CompletionRequest]);
export type GenerationWork = Static<typeof GenerationWork>;

/** What the orchestrator streams back for a `CompletionRequest`, in order. */
export const CompletionStreamMessage = Type.Union([
  busMessage("completion_chunk", {
    userId: Id,
    completionId: Id,
    content: Type.String(),
    seq: Type.Integer({ minimum: 0 }),
  }),
  busMessage("completion_finished", {
    userId: Id,
    completionId: Id,
    content: Type.String(),
    finishReason: FinishReason,
    model: Type.String(),
    usage: Usage,
  }),
  busMessage("completion_failed", { userId: Id, completionId: Id, error: SerializedError }),
]);
export type CompletionStreamMessage = Static<typeof CompletionStreamMessage>;

/** Routing key of what the orchestrator streams back for one API completion. */
export function completionEventKey(completionId: string, type: string): string {
  return `completion.${completionId}.${type}`;
}

/** One generation's usage, for the ledger that `GET /api/usage` sums. */
export const UsageRecord = Type.Object({
  id: Type.String({ minLength: 1, description: "The generation request's id: recording twice keeps one" }),
  userId: Id,
  chatId: Type.Union([Id, Type.Null()]),
  messageId: Type.Union([Id, Type.Null()]),
  purpose: Type.Union([Type.Literal("answer"), Type.Literal("title"), Type.Literal("api")]),
  model: Type.String(),
  provider: Type.String(),
  inputTokens: Type.Integer({ minimum: 0 }),
  outputTokens: Type.Integer({ minimum: 0 }),
  costUsd: Type.Number({ minimum: 0 }),
  timeToFirstTokenMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  durationMs: Type.Integer({ minimum: 0 }),
  createdAt: Type.String({ format: "date-time" }),
});
export type UsageRecord = Static<typeof UsageRecord>;

/** Published durably after every generation; the store's `store.usage` queue writes it once. */
export const UsageRecorded = busMessage("usage_recorded", { userId: Id, record: UsageRecord });
export type UsageRecorded = Static<typeof UsageRecorded>;

/** Routing key of a usage record. */
export function usageEventKey(userId: string): string {
  return `usage.${userId}.recorded`;
}

// Requests to the orchestrators (request/reply).
export const OrchestratorRequest = Type.Union([busMessage("orchestrator.list_models", {})]);
export type OrchestratorRequest = Static<typeof OrchestratorRequest>;

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

/** An API key as the store keeps it: the SHA-256 of the secret, never the secret. */
export const StoredApiKey = Type.Composite([
  Type.Omit(ApiKey, ["lastUsedAt"]),
  Type.Object({ hash: Type.String({ minLength: 1 }) }),
]);
export type StoredApiKey = Static<typeof StoredApiKey>;

/**
 * Who an external identity provider says a user is (AUTH_MODE=jwks): its `iss` and the user's `sub`
 * there. The pair is unique; the store keeps it with the user it created on first sight.
 */
export const ExternalIdentity = Type.Object({
  issuer: Type.String({ minLength: 1, maxLength: 2048, description: "The provider's `iss`" }),
  subject: Type.String({ minLength: 1, maxLength: 1024, description: "The user's `sub` at that provider" }),
});
export type ExternalIdentity = Static<typeof ExternalIdentity>;

/** A user to create for an external identity: no password, it signs in at the provider. */
export const NewExternalUser = Type.Omit(StoredUser, ["passwordHash"]);
export type NewExternalUser = Static<typeof NewExternalUser>;

/**
 * A refresh token as the store keeps it: the SHA-256 of the secret, never the secret. Every sign-in
 * starts a family; each refresh uses its token up and adds the successor to the same family.
 */
export const StoredRefreshToken = Type.Object({
  hash: Type.String({ minLength: 1, description: "SHA-256 of the token, hex" }),
  familyId: Id,
  userId: Id,
  createdAt: Type.String({ format: "date-time" }),
  expiresAt: Type.String({ format: "date-time" }),
});
export type StoredRefreshToken = Static<typeof StoredRefreshToken>;

/** The token that replaces a used one; it joins the used one's family and user. */
export const RefreshTokenSuccessor = Type.Pick(StoredRefreshToken, ["hash", "createdAt", "expiresAt"]);
export type RefreshTokenSuccessor = Static<typeof RefreshTokenSuccessor>;

/**
 * What rotating a refresh token found: `rotated` (the token is used up, its successor stored), or why
 * not — `unknown`, `expired`, `revoked` (its family was revoked), `reused` (it had been used before,
 * so its whole family is now revoked).
 */
export const RefreshRotation = Type.Union([
  Type.Object({ outcome: Type.Literal("rotated"), user: StoredUser, familyId: Id }),
  Type.Object({ outcome: Type.Literal("reused"), familyId: Id }),
  Type.Object({
    outcome: Type.Union([Type.Literal("unknown"), Type.Literal("expired"), Type.Literal("revoked")]),
  }),
]);
export type RefreshRotation = Static<typeof RefreshRotation>;

/**
 * The checkpoint of an answer still being written: its text so far. The orchestrator saves one when
 * the answer starts and then about every second; the store drops it when the answer is written.
 * After a crash, the session ends the answer from it (see `RecoverAnswerCommand`).
 */
export const AnswerDraft = Type.Object({
  messageId: Id,
  chatId: Id,
  userId: Id,
  content: Type.String(),
  model: Type.String(),
  createdAt: Type.String({ format: "date-time", description: "The answer's createdAt" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type AnswerDraft = Static<typeof AnswerDraft>;

const ChatOwner = { chatId: Id, userId: Id };
const Page = { cursor: Type.Optional(Type.String()), limit: Type.Integer({ minimum: 1, maximum: 500 }) };

export const StoreRequest = Type.Union([
  busMessage("store.create_user", {
    user: StoredUser,
    adminIfFirst: Type.Optional(
      Type.Boolean({
        description: "The first account of all gets the admin role, decided by the same write",
      }),
    ),
  }),
  busMessage("store.find_or_create_external_user", { identity: ExternalIdentity, user: NewExternalUser }),
  busMessage("store.find_user_by_email", { email: Type.String() }),
  busMessage("store.find_user_by_id", { userId: Id }),
  busMessage("store.create_chat", {
    userId: Id,
    chat: Type.Object({
      id: Id,
      title: Type.String(),
      model: Type.String(),
      systemPrompt: Type.Optional(Type.String()),
      createdAt: Type.String(),
    }),
  }),
  busMessage("store.get_chat", { ...ChatOwner, messageLimit: Type.Integer({ minimum: 0, maximum: 500 }) }),
  busMessage("store.list_chats", { userId: Id, ...Page }),
  busMessage("store.search_chats", {
    userId: Id,
    query: Type.String({ minLength: 1, maxLength: MAX_SEARCH_QUERY_CHARS }),
    ...Page,
  }),
  busMessage("store.list_messages", { ...ChatOwner, ...Page }),
  busMessage("store.append_message", { userId: Id, message: Message }),
  busMessage("store.save_answer_draft", { draft: AnswerDraft }),
  busMessage("store.list_answer_drafts", { limit: Type.Integer({ minimum: 1, maximum: 500 }) }),
  busMessage("store.update_chat", {
    ...ChatOwner,
    ...ChatSettings,
    onlyIfTitle: Type.Optional(Type.String()),
  }),
  busMessage("store.delete_chat", ChatOwner),
  busMessage("store.create_api_key", { userId: Id, apiKey: StoredApiKey }),
  busMessage("store.list_api_keys", { userId: Id }),
  busMessage("store.delete_api_key", { userId: Id, keyId: Id }),
  busMessage("store.find_api_key", {
    hash: Type.String({ minLength: 1 }),
    usedAt: Type.String({ format: "date-time", description: "Recorded as the key's lastUsedAt" }),
  }),
  busMessage("store.usage_report", {
    userId: Id,
    from: Type.String({ format: "date-time" }),
    to: Type.String({ format: "date-time" }),
  }),
  busMessage("store.start_refresh_family", { token: StoredRefreshToken }),
  busMessage("store.rotate_refresh_token", {
    hash: Type.String({ minLength: 1 }),
    successor: RefreshTokenSuccessor,
  }),
  busMessage("store.revoke_refresh_family", {
    hash: Type.String({ minLength: 1, description: "Any token of the family" }),
    revokedAt: Type.String({ format: "date-time" }),
  }),
  busMessage("store.revoke_refresh_family_by_id", {
    familyId: Type.String({ minLength: 1, description: "The sign-in (`sid`) of an access token" }),
    userId: Id,
    revokedAt: Type.String({ format: "date-time" }),
  }),
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
