import { type Static, Type } from "@sinclair/typebox";
import { RoleChange } from "./admin.ts";
import { CancelReply } from "./bus/chat-commands.ts";
import { ErrorCode } from "./errors.ts";
import {
  BranchSwitched,
  Chat,
  EditMessageBody,
  Id,
  Message,
  RegenerateBody,
  Role,
  SendMessageBody,
  SwitchBranchBody,
  UpdateChatBody,
} from "./http.ts";
import { AgentMessageBody, ChatAssistance, HelpRequestBody } from "./takeover.ts";

/**
 * The WebSocket protocol of `GET /ws`. Every frame is one JSON text message with a `type`.
 * Client frames may carry a `requestId`, echoed in the frames that answer them (an ack, `pong`
 * or `error`). Server frames that are chat events carry their replay-log `eventId`; every other
 * server frame carries `eventId: null`.
 */

const RequestId = Type.String({
  minLength: 1,
  maxLength: 100,
  description: "Chosen by the client; echoed in the frames that answer this one",
});

const clientFrameOptions = { additionalProperties: false } as const;

/** Sends a message to a chat (as `POST /api/chats/:id/messages`); subscribes the socket to it first. */
export const ChatMessageFrame = Type.Object(
  {
    type: Type.Literal("chat_message"),
    chatId: Id,
    ...SendMessageBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "ChatMessageFrame" },
);

/**
 * Answers a chat's latest question again, replacing its latest answer `messageId` (as
 * `POST /api/chats/:id/regenerate`); subscribes the socket to the chat first.
 */
export const RegenerateFrame = Type.Object(
  {
    type: Type.Literal("regenerate"),
    chatId: Id,
    ...RegenerateBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "RegenerateFrame" },
);

/**
 * Sends a new version of the question `messageId`, answered on a new branch (as
 * `POST /api/chats/:id/messages/:messageId/edit`); subscribes the socket to the chat first.
 */
export const EditMessageFrame = Type.Object(
  {
    type: Type.Literal("edit_message"),
    chatId: Id,
    messageId: Id,
    ...EditMessageBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "EditMessageFrame" },
);

/** Makes the branch through `messageId` the chat's active path (as `POST /api/chats/:id/branch`). */
export const SwitchBranchFrame = Type.Object(
  {
    type: Type.Literal("switch_branch"),
    chatId: Id,
    ...SwitchBranchBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "SwitchBranchFrame" },
);

/** Follows a chat's events; with `resumeFrom` (an `eventId`), from just after that event. */
export const SubscribeFrame = Type.Object(
  {
    type: Type.Literal("subscribe"),
    chatId: Id,
    resumeFrom: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "The last eventId the client has" }),
    ),
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "SubscribeFrame" },
);

/** Stops following a chat's events. */
export const UnsubscribeFrame = Type.Object(
  { type: Type.Literal("unsubscribe"), chatId: Id, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "UnsubscribeFrame" },
);

/** Stops the answer being generated in a chat (as `POST /api/chats/:id/cancel`). */
export const CancelFrame = Type.Object(
  { type: Type.Literal("cancel"), chatId: Id, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "CancelFrame" },
);

/**
 * Changes a chat's settings (as `PATCH /api/chats/:id`): title, model, system prompt, temperature,
 * project, pin, archive; at least one. Every device hears `chat_updated`.
 */
export const UpdateChatFrame = Type.Object(
  {
    type: Type.Literal("update_chat"),
    chatId: Id,
    ...UpdateChatBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "UpdateChatFrame" },
);

/** Deletes a chat with its messages and files (as `DELETE /api/chats/:id`). */
export const DeleteChatFrame = Type.Object(
  { type: Type.Literal("delete_chat"), chatId: Id, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "DeleteChatFrame" },
);

/** Asks for a `pong` frame (application-level liveness; the server also sends protocol pings). */
export const PingFrame = Type.Object(
  { type: Type.Literal("ping"), requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "PingFrame" },
);

/**
 * Gives a user a role (as `PUT /api/admin/users/:id/role`; admins only). A caller without a staff
 * role gets an `error` frame ROUTE_NOT_FOUND, an agent FORBIDDEN.
 */
export const SetUserRoleFrame = Type.Object(
  { type: Type.Literal("set_user_role"), userId: Id, role: Role, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "SetUserRoleFrame" },
);

/** The user asks for a person in one of their chats (as `POST /api/chats/:id/help`). */
export const HelpRequestFrame = Type.Object(
  {
    type: Type.Literal("help_request"),
    chatId: Id,
    ...HelpRequestBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "HelpRequestFrame" },
);

/** The user withdraws their help request (as `DELETE /api/chats/:id/help`). */
export const CancelHelpRequestFrame = Type.Object(
  { type: Type.Literal("cancel_help_request"), chatId: Id, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "CancelHelpRequestFrame" },
);

/**
 * An agent takes over any user's chat, or renews their hold (as
 * `POST /api/admin/chats/:id/takeover`; agents and admins). Also subscribes the socket to the chat.
 */
export const TakeOverFrame = Type.Object(
  { type: Type.Literal("take_over"), chatId: Id, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "TakeOverFrame" },
);

/** The agent holding a chat writes to its user (as `POST /api/admin/chats/:id/messages`). */
export const AgentMessageFrame = Type.Object(
  {
    type: Type.Literal("agent_message"),
    chatId: Id,
    ...AgentMessageBody.properties,
    requestId: Type.Optional(RequestId),
  },
  { ...clientFrameOptions, $id: "AgentMessageFrame" },
);

/** The agent holding a chat gives it back to the AI (as `DELETE /api/admin/chats/:id/takeover`). */
export const ReleaseChatFrame = Type.Object(
  { type: Type.Literal("release_chat"), chatId: Id, requestId: Type.Optional(RequestId) },
  { ...clientFrameOptions, $id: "ReleaseChatFrame" },
);

/** Each client frame schema by its `type`. */
export const clientFrameSchemas = {
  chat_message: ChatMessageFrame,
  regenerate: RegenerateFrame,
  edit_message: EditMessageFrame,
  switch_branch: SwitchBranchFrame,
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
  cancel: CancelFrame,
  update_chat: UpdateChatFrame,
  delete_chat: DeleteChatFrame,
  ping: PingFrame,
  set_user_role: SetUserRoleFrame,
  help_request: HelpRequestFrame,
  cancel_help_request: CancelHelpRequestFrame,
  take_over: TakeOverFrame,
  agent_message: AgentMessageFrame,
  release_chat: ReleaseChatFrame,
} as const;

export const ClientFrame = Type.Union(Object.values(clientFrameSchemas), { $id: "ClientFrame" });

export type ChatMessageFrame = Static<typeof ChatMessageFrame>;
export type RegenerateFrame = Static<typeof RegenerateFrame>;
export type EditMessageFrame = Static<typeof EditMessageFrame>;
export type SwitchBranchFrame = Static<typeof SwitchBranchFrame>;
export type SubscribeFrame = Static<typeof SubscribeFrame>;
export type UnsubscribeFrame = Static<typeof UnsubscribeFrame>;
export type CancelFrame = Static<typeof CancelFrame>;
export type UpdateChatFrame = Static<typeof UpdateChatFrame>;
export type DeleteChatFrame = Static<typeof DeleteChatFrame>;
export type PingFrame = Static<typeof PingFrame>;
export type SetUserRoleFrame = Static<typeof SetUserRoleFrame>;
export type HelpRequestFrame = Static<typeof HelpRequestFrame>;
export type CancelHelpRequestFrame = Static<typeof CancelHelpRequestFrame>;
export type TakeOverFrame = Static<typeof TakeOverFrame>;
export type AgentMessageFrame = Static<typeof AgentMessageFrame>;
export type ReleaseChatFrame = Static<typeof ReleaseChatFrame>;
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = keyof typeof clientFrameSchemas;

/** Frames that are not in the replay log carry no id. */
const NoEventId = Type.Null({ description: "Only chat events from the replay log carry an id" });

/** Anything that failed: a malformed frame, a refused command, a resume id the log lost. */
export const ErrorFrame = Type.Object(
  {
    type: Type.Literal("error"),
    eventId: NoEventId,
    code: ErrorCode,
    error: Type.String({ description: "What went wrong, for people" }),
    retryable: Type.Boolean(),
    chatId: Type.Optional(Id),
    requestId: Type.Optional(RequestId),
    details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    retryAfterMs: Type.Optional(
      Type.Integer({ minimum: 0, description: "With RATE_LIMITED: when the frame may be sent again" }),
    ),
  },
  { $id: "ErrorFrame" },
);

/** The answer to a `ping` frame. */
export const PongFrame = Type.Object(
  { type: Type.Literal("pong"), eventId: NoEventId, requestId: Type.Optional(RequestId) },
  { $id: "PongFrame" },
);

/** A `chat_message` was taken: the stored user message and the id the answer will stream under. */
export const MessageAcceptedFrame = Type.Object(
  {
    type: Type.Literal("message_accepted"),
    eventId: NoEventId,
    chatId: Id,
    requestId: Type.Optional(RequestId),
    userMessage: Message,
    assistantMessageId: Type.Optional(
      Type.String({ ...Id, description: "Absent while an agent holds the chat: no answer is written" }),
    ),
    heldBy: Type.Optional(Type.Object({ agentId: Id, name: Type.String() })),
  },
  { $id: "MessageAcceptedFrame" },
);

/** A `regenerate` was taken: the question answered again, the new answer's id, the replaced one's. */
export const RegenerateAcceptedFrame = Type.Object(
  {
    type: Type.Literal("regenerate_accepted"),
    eventId: NoEventId,
    chatId: Id,
    requestId: Type.Optional(RequestId),
    userMessage: Message,
    assistantMessageId: Id,
    replacedMessageId: Id,
  },
  { $id: "RegenerateAcceptedFrame" },
);

/** An `edit_message` was taken: the question's new version, its answer's id, the edited question's id. */
export const EditAcceptedFrame = Type.Object(
  {
    type: Type.Literal("edit_accepted"),
    eventId: NoEventId,
    chatId: Id,
    requestId: Type.Optional(RequestId),
    userMessage: Message,
    assistantMessageId: Id,
    editedMessageId: Id,
  },
  { $id: "EditAcceptedFrame" },
);

/** A `switch_branch` was taken: where the active path ends now. */
export const SwitchBranchAcceptedFrame = Type.Object(
  {
    type: Type.Literal("switch_branch_accepted"),
    eventId: NoEventId,
    requestId: Type.Optional(RequestId),
    ...BranchSwitched.properties,
  },
  { $id: "SwitchBranchAcceptedFrame" },
);

/** The socket now receives the chat's events (the replay, if any, came before this frame). */
export const SubscribedFrame = Type.Object(
  { type: Type.Literal("subscribed"), eventId: NoEventId, chatId: Id, requestId: Type.Optional(RequestId) },
  { $id: "SubscribedFrame" },
);

/** The socket no longer receives the chat's events. */
export const UnsubscribedFrame = Type.Object(
  { type: Type.Literal("unsubscribed"), eventId: NoEventId, chatId: Id, requestId: Type.Optional(RequestId) },
  { $id: "UnsubscribedFrame" },
);

/** The answer to a `cancel` frame: whether an answer was running and which message it was. */
export const CancelAcceptedFrame = Type.Object(
  {
    type: Type.Literal("cancel_accepted"),
    eventId: NoEventId,
    chatId: Id,
    requestId: Type.Optional(RequestId),
    ...CancelReply.properties,
  },
  { $id: "CancelAcceptedFrame" },
);

/** The answer to an `update_chat` frame: the chat as it is now. */
export const ChatUpdateAcceptedFrame = Type.Object(
  {
    type: Type.Literal("chat_update_accepted"),
    eventId: NoEventId,
    requestId: Type.Optional(RequestId),
    chat: Chat,
  },
  { $id: "ChatUpdateAcceptedFrame" },
);

/** The answer to a `delete_chat` frame: the chat is gone. */
export const ChatDeletedFrame = Type.Object(
  {
    type: Type.Literal("chat_deleted"),
    eventId: NoEventId,
    chatId: Id,
    requestId: Type.Optional(RequestId),
  },
  { $id: "ChatDeletedFrame" },
);

/** The answer to a `set_user_role` frame: the user as stored now, and the role before. */
export const UserRoleSetFrame = Type.Object(
  {
    type: Type.Literal("user_role_set"),
    eventId: NoEventId,
    requestId: Type.Optional(RequestId),
    ...RoleChange.properties,
  },
  { $id: "UserRoleSetFrame" },
);

/**
 * The answer to `help_request`, `cancel_help_request`, `take_over` and `release_chat`: the chat's
 * help and takeover status now.
 */
export const ChatAssistanceFrame = Type.Object(
  {
    type: Type.Literal("chat_assistance"),
    eventId: NoEventId,
    requestId: Type.Optional(RequestId),
    ...ChatAssistance.properties,
  },
  { $id: "ChatAssistanceFrame" },
);

/** The answer to an `agent_message` frame: the message as stored (it also streams as `message_created`). */
export const AgentMessageAcceptedFrame = Type.Object(
  {
    type: Type.Literal("agent_message_accepted"),
    eventId: NoEventId,
    chatId: Id,
    requestId: Type.Optional(RequestId),
    message: Message,
  },
  { $id: "AgentMessageAcceptedFrame" },
);

export type ErrorFrame = Static<typeof ErrorFrame>;
export type ChatAssistanceFrame = Static<typeof ChatAssistanceFrame>;
export type AgentMessageAcceptedFrame = Static<typeof AgentMessageAcceptedFrame>;
export type PongFrame = Static<typeof PongFrame>;
export type MessageAcceptedFrame = Static<typeof MessageAcceptedFrame>;
export type RegenerateAcceptedFrame = Static<typeof RegenerateAcceptedFrame>;
export type EditAcceptedFrame = Static<typeof EditAcceptedFrame>;
export type SwitchBranchAcceptedFrame = Static<typeof SwitchBranchAcceptedFrame>;
export type SubscribedFrame = Static<typeof SubscribedFrame>;
export type UnsubscribedFrame = Static<typeof UnsubscribedFrame>;
export type CancelAcceptedFrame = Static<typeof CancelAcceptedFrame>;
export type UserRoleSetFrame = Static<typeof UserRoleSetFrame>;
export type ChatUpdateAcceptedFrame = Static<typeof ChatUpdateAcceptedFrame>;
export type ChatDeletedFrame = Static<typeof ChatDeletedFrame>;

/** Server frames that answer a client frame; chat events are sent as `toWebSocketFrame(event)`. */
export type ReplyFrame =
  | ErrorFrame
  | PongFrame
  | MessageAcceptedFrame
  | RegenerateAcceptedFrame
  | EditAcceptedFrame
  | SwitchBranchAcceptedFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | CancelAcceptedFrame
  | ChatUpdateAcceptedFrame
  | ChatDeletedFrame
  | UserRoleSetFrame
  | ChatAssistanceFrame
  | AgentMessageAcceptedFrame;

/** WebSocket close codes the gateway uses. */
export const WebSocketCloseCode = {
  /**
   * The gateway is stopping, or its event feed was cut (a broker restart) and the user's own
   * events may have been missed: reconnect and resume with `resumeFrom`.
   */
  serviceRestart: 1012,
  /** The client read too slowly: reconnect and resume with `resumeFrom`. */
  tryAgainLater: 1013,
  /**
   * The socket's sign-in ended (signed out, or its refresh family revoked) or its access token
   * expired: refresh or sign in again, then reconnect. Not sent for a socket opened with an
   * identity provider's token until that token expires. (4401: the private range, after HTTP 401.)
   */
  signedOut: 4401,
} as const;
