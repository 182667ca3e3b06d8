import { type Static, type TSchema, Type } from "@sinclair/typebox";
import {
  BranchSwitched,
  Chat,
  CodeBlock,
  FinishReason,
  Id,
  MAX_TEMPERATURE,
  Message,
  MessageAttachment,
  Usage,
} from "../http.ts";
import { ChatAgent, ChatAssistance, MAX_HELP_NOTE_CHARS } from "../takeover.ts";
import { busMessage } from "./envelope.ts";

// Commands to one chat's actor, routed to its partition.
export const SendMessageCommand = busMessage("send_message", {
  userId: Id,
  /** Empty when the question is its attachments alone. */
  content: Type.String(),
  clientMessageId: Type.String({ minLength: 1 }),
  model: Type.Optional(Type.String({ description: "Answer with this model instead of the chat's" })),
  /** The sender's uploads the question carries, checked by the gateway. */
  attachments: Type.Optional(Type.Array(MessageAttachment)),
});
/**
 * Answers the latest question of the active path again: a new answer beside `messageId` (the path's
 * last message), which stays as its previous version.
 */
export const RegenerateAnswerCommand = busMessage("regenerate_answer", {
  userId: Id,
  messageId: Id,
  clientMessageId: Type.String({ minLength: 1 }),
  model: Type.Optional(Type.String({ description: "Answer with this model instead of the chat's" })),
});
/**
 * A new version of the question `messageId` (any question of the chat): a branch from the question's
 * parent with this content, which becomes the active path and is answered; the question stays.
 */
export const EditMessageCommand = busMessage("edit_message", {
  userId: Id,
  messageId: Id,
  content: Type.String({ minLength: 1 }),
  clientMessageId: Type.String({ minLength: 1 }),
  model: Type.Optional(Type.String({ description: "Answer with this model instead of the chat's" })),
});
/** Makes the branch through `messageId` the chat's active path (refused with CHAT_BUSY while an answer streams). */
export const SwitchBranchCommand = busMessage("switch_branch", { userId: Id, messageId: Id });
/** A chat's own settings, as `update_chat` and `store.update_chat` change them. */
export const ChatSettings = {
  title: Type.Optional(Type.String({ minLength: 1 })),
  model: Type.Optional(Type.String({ minLength: 1 })),
  systemPrompt: Type.Optional(Type.String()),
  temperature: Type.Optional(
    Type.Union([Type.Number({ minimum: 0, maximum: MAX_TEMPERATURE }), Type.Null()], {
      description: "null clears it: the model's default",
    }),
  ),
  /** A project of the chat's user (PROJECT_NOT_FOUND otherwise); null takes the chat out of its project. */
  projectId: Type.Optional(Type.Union([Id, Type.Null()])),
  pinned: Type.Optional(Type.Boolean()),
  archived: Type.Optional(Type.Boolean()),
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
/** The chat's user asks for a person; repeated while open, it changes nothing. */
export const RequestHelpCommand = busMessage("request_help", {
  userId: Id,
  note: Type.Optional(Type.String({ maxLength: MAX_HELP_NOTE_CHARS })),
});
/** The chat's user withdraws the open help request. */
export const CancelHelpRequestCommand = busMessage("cancel_help_request", { userId: Id });
/**
 * An agent takes the chat over (`userId` is the chat's owner, found by the gateway). Sent again by
 * the same agent it renews the hold; another agent's hold is refused with CHAT_HELD.
 */
export const TakeOverCommand = busMessage("take_over", { userId: Id, agent: ChatAgent });
/** The agent holding the chat writes to its user; it renews the hold. */
export const AgentMessageCommand = busMessage("agent_message", {
  userId: Id,
  agent: ChatAgent,
  content: Type.String({ minLength: 1 }),
  clientMessageId: Type.String({ minLength: 1 }),
});
/** The agent holding the chat gives it back to the AI. */
export const ReleaseChatCommand = busMessage("release_chat", { userId: Id, agent: ChatAgent });
/**
 * Ends the chat's hold if it expired, from the session's recovery sweep (the store lists holds past
 * their expiresAt); a hold renewed meanwhile stays.
 */
export const ExpireHoldCommand = busMessage("expire_hold", { userId: Id });
export const ChatCommand = Type.Union([
  SendMessageCommand,
  RegenerateAnswerCommand,
  EditMessageCommand,
  SwitchBranchCommand,
  UpdateChatCommand,
  DeleteChatCommand,
  GenerationFinishedCommand,
  CancelGenerationCommand,
  RecoverAnswerCommand,
  RequestHelpCommand,
  CancelHelpRequestCommand,
  TakeOverCommand,
  AgentMessageCommand,
  ReleaseChatCommand,
  ExpireHoldCommand,
]);
export type SendMessageCommand = Static<typeof SendMessageCommand>;
export type RegenerateAnswerCommand = Static<typeof RegenerateAnswerCommand>;
export type EditMessageCommand = Static<typeof EditMessageCommand>;
export type SwitchBranchCommand = Static<typeof SwitchBranchCommand>;
export type UpdateChatCommand = Static<typeof UpdateChatCommand>;
export type DeleteChatCommand = Static<typeof DeleteChatCommand>;
export type GenerationFinishedCommand = Static<typeof GenerationFinishedCommand>;
export type RecoverAnswerCommand = Static<typeof RecoverAnswerCommand>;
export type CancelGenerationCommand = Static<typeof CancelGenerationCommand>;
export type RequestHelpCommand = Static<typeof RequestHelpCommand>;
export type CancelHelpRequestCommand = Static<typeof CancelHelpRequestCommand>;
export type TakeOverCommand = Static<typeof TakeOverCommand>;
export type AgentMessageCommand = Static<typeof AgentMessageCommand>;
export type ReleaseChatCommand = Static<typeof ReleaseChatCommand>;
export type ExpireHoldCommand = Static<typeof ExpireHoldCommand>;
export type ChatCommand = Static<typeof ChatCommand>;

/**
 * What `send_message`, `regenerate_answer` and `edit_message` answer: the question, the id of the
 * answer being written, and for a regeneration the id of the answer it is a new version of. While an agent holds the chat
 * no answer is written: `assistantMessageId` is absent and `heldBy` names the agent.
 */
export const SendMessageReply = Type.Object({
  userMessage: Message,
  assistantMessageId: Type.Optional(Id),
  heldBy: Type.Optional(Type.Object({ agentId: Id, name: Type.String() })),
  replacedMessageId: Type.Optional(Id),
});
export type SendMessageReply = Static<typeof SendMessageReply>;

/** What a cancel answers: whether a generation was running, and which message it was writing. */
export const CancelReply = Type.Object(
  { cancelled: Type.Boolean(), messageId: Type.Union([Id, Type.Null()]) },
  { $id: "CancelReply" },
);
export type CancelReply = Static<typeof CancelReply>;

/** What `delete_chat` answers once the chat is gone. */
export const DeleteChatReply = Type.Object({ deleted: Type.Literal(true) });
export type DeleteChatReply = Static<typeof DeleteChatReply>;

/** The reply schema of each chat command, by its `type`. */
export const chatCommandReplySchemas = {
  send_message: SendMessageReply,
  regenerate_answer: SendMessageReply,
  edit_message: SendMessageReply,
  switch_branch: BranchSwitched,
  cancel_generation: CancelReply,
  /** The chat with its settings as they are now. */
  update_chat: Chat,
  delete_chat: DeleteChatReply,
  generation_finished: Type.Null(),
  recover_answer: Type.Null(),
  request_help: ChatAssistance,
  cancel_help_request: ChatAssistance,
  take_over: ChatAssistance,
  agent_message: Type.Object({ message: Message }),
  release_chat: ChatAssistance,
  expire_hold: Type.Null(),
} satisfies Record<ChatCommand["type"], TSchema>;

/** What the chat's actor answers to each command type. */
export type ChatCommandReplies = {
  [T in keyof typeof chatCommandReplySchemas]: Static<(typeof chatCommandReplySchemas)[T]>;
};
