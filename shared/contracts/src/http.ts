import { type Static, Type } from "@sinclair/typebox";

/** Largest message a user may send, in characters. */
export const MAX_MESSAGE_CHARS = 32_000;
/** Largest chat title, in characters. */
export const MAX_TITLE_CHARS = 200;
/** Largest page a list endpoint returns. */
export const MAX_PAGE_SIZE = 100;

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" });
export const Timestamp = Type.String({ format: "date-time", description: "ISO 8601 time in UTC" });

export const Role = Type.Union([Type.Literal("user"), Type.Literal("admin")]);
export type Role = Static<typeof Role>;

export const User = Type.Object(
  { id: Id, email: Type.String(), name: Type.String(), role: Role },
  { $id: "User" },
);
export type User = Static<typeof User>;

export const RegisterBody = Type.Object(
  {
    email: Type.String({ format: "email", maxLength: 254 }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const AuthResponse = Type.Object({ user: User, accessToken: Type.String() }, { $id: "AuthResponse" });
export type AuthResponse = Static<typeof AuthResponse>;

/** A fenced code block found in an assistant message; indices are into the message content. */
export const CodeBlock = Type.Object(
  {
    language: Type.String({ description: "Info string of the fence; empty when none was given" }),
    code: Type.String(),
    startIndex: Type.Integer({ minimum: 0 }),
    endIndex: Type.Integer({ minimum: 0 }),
  },
  { $id: "CodeBlock" },
);
export type CodeBlock = Static<typeof CodeBlock>;

export const FinishReason = Type.Union([
  Type.Literal("stop"),
  Type.Literal("length"),
  Type.Literal("cancelled"),
  Type.Literal("error"),
]);
export type FinishReason = Static<typeof FinishReason>;

export const Usage = Type.Object(
  { inputTokens: Type.Integer({ minimum: 0 }), outputTokens: Type.Integer({ minimum: 0 }) },
  { $id: "Usage" },
);
export type Usage = Static<typeof Usage>;

export const MessageRole = Type.Union([Type.Literal("user"), Type.Literal("assistant")]);
export type MessageRole = Static<typeof MessageRole>;

export const Message = Type.Object(
  {
    id: Id,
    chatId: Id,
    role: MessageRole,
    content: Type.String(),
    createdAt: Timestamp,
    codeBlocks: Type.Optional(Type.Array(CodeBlock)),
    finishReason: Type.Optional(FinishReason),
    model: Type.Optional(Type.String()),
    usage: Type.Optional(Usage),
    clientMessageId: Type.Optional(Type.String()),
  },
  { $id: "Message" },
);
export type Message = Static<typeof Message>;

export const Chat = Type.Object(
  {
    id: Id,
    title: Type.String(),
    model: Type.String(),
    createdAt: Timestamp,
    lastActivityAt: Timestamp,
  },
  { $id: "Chat" },
);
export type Chat = Static<typeof Chat>;

export const ChatWithMessages = Type.Composite(
  [
    Chat,
    Type.Object({
      messages: Type.Array(Message, { description: "The newest messages, oldest first" }),
      hasOlderMessages: Type.Boolean(),
    }),
  ],
  { $id: "ChatWithMessages" },
);
export type ChatWithMessages = Static<typeof ChatWithMessages>;

export const CreateChatBody = Type.Object(
  { title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS })) },
  { additionalProperties: false },
);
export type CreateChatBody = Static<typeof CreateChatBody>;

export const RenameChatBody = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS }) },
  { additionalProperties: false },
);
export type RenameChatBody = Static<typeof RenameChatBody>;

export const ChatList = Type.Object(
  { chats: Type.Array(Chat), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: "ChatList" },
);
export type ChatList = Static<typeof ChatList>;

export const MessageList = Type.Object(
  {
    messages: Type.Array(Message, { description: "Oldest first" }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: "MessageList" },
);
export type MessageList = Static<typeof MessageList>;

export const SendMessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS }),
    clientMessageId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: "^[A-Za-z0-9_-]+$",
        description: "Sending the same id twice makes one turn",
      }),
    ),
  },
  { additionalProperties: false },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const SendMessageResponse = Type.Object(
  { userMessage: Message, assistantMessageId: Id },
  { $id: "SendMessageResponse" },
);
export type SendMessageResponse = Static<typeof SendMessageResponse>;

export const ChatIdParams = Type.Object({ id: Id });

export const HealthReport = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("unavailable")]),
  service: Type.String(),
  checks: Type.Record(Type.String(), Type.Boolean()),
});
export type HealthReport = Static<typeof HealthReport>;
