import { type Static, Type } from "@sinclair/typebox";
import { ChatHold, ChatWithMessages, Id, MAX_MESSAGE_CHARS, Message } from "./http.ts";

/** Longest note a user may add to a help request, in characters. */
export const MAX_HELP_NOTE_CHARS = 1_000;

/** `POST /api/chats/:id/help`: the user asks for a person, optionally saying why. */
export const HelpRequestBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: MAX_HELP_NOTE_CHARS })) },
  { additionalProperties: false },
);
export type HelpRequestBody = Static<typeof HelpRequestBody>;

/** `POST /api/admin/chats/:id/messages`: what the agent holding the chat writes to its user. */
export const AgentMessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS }),
    clientMessageId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "Sending it again writes the message once" }),
    ),
  },
  { additionalProperties: false },
);
export type AgentMessageBody = Static<typeof AgentMessageBody>;

/** A chat's help and takeover status as its actor knows it now. */
export const ChatAssistance = Type.Object(
  {
    chatId: Id,
    needsHelp: Type.Boolean({ description: "A help request is open" }),
    helpNote: Type.Optional(Type.String()),
    assisted: Type.Boolean({ description: "An agent took the chat over at least once" }),
    heldBy: Type.Union([ChatHold, Type.Null()], { description: "The agent holding the chat, if any" }),
  },
  { $id: "ChatAssistance" },
);
export type ChatAssistance = Static<typeof ChatAssistance>;

/** What `POST /api/admin/chats/:id/messages` answers: the message as stored and shown. */
export const AgentMessageReply = Type.Object({ message: Message }, { $id: "AgentMessageReply" });
export type AgentMessageReply = Static<typeof AgentMessageReply>;

/** `GET /api/admin/chats/:id`: any user's chat with its newest messages and owner, for an agent. */
export const AdminChat = Type.Composite([ChatWithMessages, Type.Object({ userId: Id })], {
  $id: "AdminChat",
});
export type AdminChat = Static<typeof AdminChat>;

/** The agent acting on a chat, as a chat command carries it. */
export const ChatAgent = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String({ description: "Shown to the user" }),
});
export type ChatAgent = Static<typeof ChatAgent>;
