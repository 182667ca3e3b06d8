import { type Static, Type } from "@sinclair/typebox";
import { ErrorCode } from "./errors.ts";
import { BranchSwitched, Chat, CodeBlock, FinishReason, Id, Message, Timestamp, Usage } from "./http.ts";

/**
 * Client-visible events: one vocabulary for SSE (`event:` = type, `data:` = the payload) and
 * WebSocket (the payload plus `type` and `eventId`). On the bus they travel as `ChatEventMessage`.
 */
export const MessageCreatedData = Type.Object(
  { chatId: Id, message: Message },
  { $id: "MessageCreatedData" },
);
export const MessageStartData = Type.Object(
  { chatId: Id, messageId: Id, model: Type.String() },
  { $id: "MessageStartData" },
);
export const MessageChunkData = Type.Object(
  {
    chatId: Id,
    messageId: Id,
    content: Type.String({ description: "Text to append to the message" }),
    seq: Type.Integer({ minimum: 0, description: "Position of this chunk in the message, from 0" }),
  },
  { $id: "MessageChunkData" },
);
export const MessageRestartData = Type.Object(
  {
    chatId: Id,
    messageId: Id,
    attempt: Type.Integer({ minimum: 1, description: "Clients drop the text received so far" }),
  },
  { $id: "MessageRestartData" },
);
export const MessageCompleteData = Type.Object(
  {
    chatId: Id,
    messageId: Id,
    fullContent: Type.String(),
    codeBlocks: Type.Array(CodeBlock),
    usage: Usage,
    finishReason: FinishReason,
    model: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
    parentId: Type.Optional(
      Type.Union([Id, Type.Null()], {
        description: "The question answered; absent on answers from before message trees",
      }),
    ),
    activeLeafVersion: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "The store makes the answer the end of the active path unless a newer branch change (a higher version) came first",
      }),
    ),
  },
  { $id: "MessageCompleteData" },
);
export const ErrorEventData = Type.Object(
  {
    chatId: Id,
    messageId: Type.Optional(Id),
    code: ErrorCode,
    error: Type.String(),
    retryable: Type.Boolean(),
  },
  { $id: "ErrorEventData" },
);
export const MessageDeletedData = Type.Object(
  { chatId: Id, messageId: Id },
  { $id: "MessageDeletedData", description: "The message is gone from the chat, with the versions after it" },
);
export const ChatUpdatedData = Type.Object({ chatId: Id, chat: Chat }, { $id: "ChatUpdatedData" });
export const HelpRequestedData = Type.Object(
  { chatId: Id, note: Type.Optional(Type.String()), requestedAt: Timestamp },
  { $id: "HelpRequestedData", description: "The user asked for a person; staff are notified" },
);
export const HelpCancelledData = Type.Object(
  { chatId: Id, reason: Type.Union([Type.Literal("cancelled"), Type.Literal("taken_over")]) },
  { $id: "HelpCancelledData", description: "The help request is closed: withdrawn, or an agent took over" },
);
const EventAgent = Type.Object({ id: Id, name: Type.String({ description: "Shown to the user" }) });
export const AgentJoinedData = Type.Object(
  { chatId: Id, agent: EventAgent, expiresAt: Timestamp },
  { $id: "AgentJoinedData", description: "An agent took the chat over: the AI does not answer meanwhile" },
);
export const AgentLeftData = Type.Object(
  {
    chatId: Id,
    agent: EventAgent,
    reason: Type.Union([Type.Literal("released"), Type.Literal("expired")], {
      description: "`expired`: the agent stopped renewing the hold",
    }),
  },
  { $id: "AgentLeftData", description: "The chat is back with the AI" },
);
export const NotificationData = Type.Object(
  {
    chatId: Type.Optional(Id),
    notificationId: Id,
    kind: Type.String({ description: "What happened, e.g. chat_renamed" }),
    title: Type.String(),
    body: Type.String(),
  },
  { $id: "NotificationData" },
);

export const chatEventDataSchemas = {
  message_created: MessageCreatedData,
  message_start: MessageStartData,
  message_chunk: MessageChunkData,
  message_restart: MessageRestartData,
  message_complete: MessageCompleteData,
  message_deleted: MessageDeletedData,
  branch_switched: BranchSwitched,
  error: ErrorEventData,
  chat_updated: ChatUpdatedData,
  help_requested: HelpRequestedData,
  help_cancelled: HelpCancelledData,
  agent_joined: AgentJoinedData,
  agent_left: AgentLeftData,
  notification: NotificationData,
} as const;

export type ChatEventType = keyof typeof chatEventDataSchemas;
export type ChatEventData<T extends ChatEventType> = Static<(typeof chatEventDataSchemas)[T]>;
export const chatEventTypes = Object.keys(chatEventDataSchemas) as ChatEventType[];

/** One client-visible event with its payload, before it has an id. */
export const ChatEvent = Type.Union(
  chatEventTypes.map((type) => Type.Object({ type: Type.Literal(type), data: chatEventDataSchemas[type] })),
);
export type ChatEvent = { [T in ChatEventType]: { type: T; data: ChatEventData<T> } }[ChatEventType];

/** An event as stored in the replay log and sent to clients: the event plus its log id. */
export type LoggedChatEvent = ChatEvent & { eventId: string };

/** Every client-visible WebSocket frame is the event's data plus `type` and `eventId`. */
export function toWebSocketFrame(event: LoggedChatEvent): Record<string, unknown> {
  return { type: event.type, eventId: event.eventId, ...event.data };
}

/** Renders one event in the SSE wire format. */
export function toSseFrame(event: LoggedChatEvent): string {
  return `id: ${event.eventId}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export type MessageCreatedData = Static<typeof MessageCreatedData>;
export type MessageStartData = Static<typeof MessageStartData>;
export type MessageChunkData = Static<typeof MessageChunkData>;
export type MessageRestartData = Static<typeof MessageRestartData>;
export type MessageCompleteData = Static<typeof MessageCompleteData>;
export type ErrorEventData = Static<typeof ErrorEventData>;
export type MessageDeletedData = Static<typeof MessageDeletedData>;
export type ChatUpdatedData = Static<typeof ChatUpdatedData>;
export type NotificationData = Static<typeof NotificationData>;
export type HelpRequestedData = Static<typeof HelpRequestedData>;
export type HelpCancelledData = Static<typeof HelpCancelledData>;
export type AgentJoinedData = Static<typeof AgentJoinedData>;
export type AgentLeftData = Static<typeof AgentLeftData>;
