import { type Static, Type } from "@sinclair/typebox";

/** Largest message a user may send, in characters. */
export const MAX_MESSAGE_CHARS = 32_000;
/** Largest chat title, in characters. */
export const MAX_TITLE_CHARS = 200;
/** Largest page a list endpoint returns. */
export const MAX_PAGE_SIZE = 100;
/** Largest per-chat system prompt, in characters. */
export const MAX_SYSTEM_PROMPT_CHARS = 8_000;
/** Highest per-chat temperature; Anthropic's models take at most 1 and get 1 for anything higher. */
export const MAX_TEMPERATURE = 2;
/** Longest text a chat search looks for, in characters. */
export const MAX_SEARCH_QUERY_CHARS = 200;
/** Longest snippet of a matching message a search answers, in characters (ellipses included). */
export const SEARCH_SNIPPET_CHARS = 160;
/** Title of a chat nobody has named yet; auto-titling replaces only this one. */
export const DEFAULT_CHAT_TITLE = "New chat";

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" });

/** The most attachments one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 8;

/** The longest attachment name kept, in characters, after sanitising. */
export const MAX_ATTACHMENT_NAME_CHARS = 200;
export const Timestamp = Type.String({ format: "date-time", description: "ISO 8601 time in UTC" });

/**
 * What a user may do: `user` (their own chats), `agent` (also the support console, no settings),
 * `admin` (everything: also roles and the audit log).
 */
export const Role = Type.Union([Type.Literal("user"), Type.Literal("agent"), Type.Literal("admin")]);
export type Role = Static<typeof Role>;

export const User = Type.Object(
  { id: Id, email: Type.String(), name: Type.String(), role: Role },
  { $id: "User" },
);
export type User = Static<typeof User>;

/** Asks for the refresh token in the response body too; for clients that keep no cookies. */
const RefreshTokenInBody = Type.Optional(
  Type.Boolean({
    description:
      "Also return the refresh token in the body (clients without cookies); browsers leave it out, so no script sees it",
  }),
);

export const RegisterBody = Type.Object(
  {
    email: Type.String({ format: "email", maxLength: 254 }),
    password: Type.String({
      minLength: 8,
      maxLength: 256,
      description:
        "At least PASSWORD_MIN_LENGTH characters; not the email or the name, not one character repeated",
    }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    refreshTokenInBody: RefreshTokenInBody,
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    password: Type.String({ maxLength: 256 }),
    refreshTokenInBody: RefreshTokenInBody,
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

/** For clients without cookies: the refresh token in the body instead of the `chat_refresh` cookie. */
export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);
export type RefreshBody = Static<typeof RefreshBody>;

export const AuthResponse = Type.Object(
  {
    user: User,
    accessToken: Type.String({ description: "Bearer token; also set as the httpOnly chat_session cookie" }),
    refreshToken: Type.Optional(
      Type.String({
        description:
          "Only when asked for (refreshTokenInBody, or a refresh by body); browsers get the httpOnly chat_refresh cookie",
      }),
    ),
  },
  { $id: "AuthResponse" },
);
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

/**
 * Why an answer ended. `interrupted`: the process writing it stopped (a crash or restart) and no
 * other took over; the text is as far as the last checkpoint got, and the answer can be regenerated.
 */
export const FinishReason = Type.Union([
  Type.Literal("stop"),
  Type.Literal("length"),
  Type.Literal("cancelled"),
  Type.Literal("error"),
  Type.Literal("interrupted"),
]);
export type FinishReason = Static<typeof FinishReason>;

/**
 * What one generation used. The timing, cost and provider fields are absent only on messages
 * stored before they were recorded.
 */
export const Usage = Type.Object(
  {
    inputTokens: Type.Integer({ minimum: 0 }),
    outputTokens: Type.Integer({ minimum: 0 }),
    costUsd: Type.Optional(Type.Number({ minimum: 0, description: "From the model file's prices" })),
    timeToFirstTokenMs: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description: "From the request to the first text; null when no text came",
      }),
    ),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    provider: Type.Optional(
      Type.String({ description: "The provider that answered: anthropic, openai, ..." }),
    ),
  },
  { $id: "Usage" },
);
export type Usage = Static<typeof Usage>;

export const MessageRole = Type.Union([Type.Literal("user"), Type.Literal("assistant")]);
export type MessageRole = Static<typeof MessageRole>;

/**
 * Who wrote a message that is not the user's nor the model's: a staff agent who took the chat over.
 * Such messages have the role `assistant`, so the model sees them as its own turns after a release.
 */
export const MessageAuthor = Type.Object(
  { kind: Type.Literal("agent"), id: Id, name: Type.String({ description: "The agent's display name" }) },
  { $id: "MessageAuthor" },
);
export type MessageAuthor = Static<typeof MessageAuthor>;

/** The agent holding a chat (human takeover): the AI does not answer until it is released or expires. */
export const ChatHold = Type.Object(
  {
    agentId: Id,
    name: Type.String({ description: "The agent's display name, shown to the user" }),
    since: Timestamp,
    expiresAt: Type.String({
      format: "date-time",
      description: "The hold ends here unless the agent renews it (takes over again or writes)",
    }),
  },
  { $id: "ChatHold" },
);
export type ChatHold = Static<typeof ChatHold>;
/** An uploaded file as a message lists it (`GET /api/attachments/{id}` has the rest). */
export const MessageAttachment = Type.Object({
  id: Id,
  name: Type.String({ minLength: 1, maxLength: MAX_ATTACHMENT_NAME_CHARS }),
  mediaType: Type.String(),
  size: Type.Integer({ minimum: 0 }),
});
export type MessageAttachment = Static<typeof MessageAttachment>;

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
    author: Type.Optional(MessageAuthor),
    /** Files the user sent with a question. */
    attachments: Type.Optional(Type.Array(MessageAttachment)),
    parentId: Type.Optional(
      Type.Union([Id, Type.Null()], {
        description:
          "The message this one follows in the chat's tree; null for a first question. Absent on a message written without one: it follows the message before it in time",
      }),
    ),
    siblingIds: Type.Optional(
      Type.Array(Id, {
        description:
          "On a message of the active path that has versions (an edited question, a regenerated answer): every version's id, oldest first, this one included",
      }),
    ),
  },
  { $id: "Message" },
);
export type Message = Static<typeof Message>;

export const Chat = Type.Object(
  {
    id: Id,
    title: Type.String(),
    model: Type.String({ description: "Id of the chat's model in GET /api/models" }),
    systemPrompt: Type.Optional(
      Type.String({ description: "Instructions for the model in this chat, after the deployment's own" }),
    ),
    temperature: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_TEMPERATURE,
        description:
          "How random the answers are; absent, the model's default. Anthropic's models take at most 1",
      }),
    ),
    createdAt: Timestamp,
    lastActivityAt: Timestamp,
    messageCount: Type.Optional(Type.Integer({ minimum: 0, description: "How many messages the chat has" })),
    needsHelp: Type.Optional(
      Type.Boolean({ description: "The user asked for a person and no agent took the chat over yet" }),
    ),
    assisted: Type.Optional(
      Type.Boolean({ description: "An agent took the chat over at least once; never cleared" }),
    ),
    heldBy: Type.Optional(
      Type.Union([ChatHold, Type.Null()], {
        description: "The agent holding the chat as last recorded; past its expiresAt it is no longer held",
      }),
    ),
    projectId: Type.Optional(Id),
    pinned: Type.Optional(Type.Boolean({ description: "Listed before the other chats" })),
    archived: Type.Optional(
      Type.Boolean({ description: "Left out of GET /api/chats unless asked for with archived=true" }),
    ),
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

const ModelId = Type.String({ minLength: 1, maxLength: 128, description: "An id from GET /api/models" });
const SystemPrompt = Type.String({ maxLength: MAX_SYSTEM_PROMPT_CHARS, description: "Empty clears it" });
const Temperature = Type.Union([Type.Number({ minimum: 0, maximum: MAX_TEMPERATURE }), Type.Null()], {
  description: "0 to 2; null is the model's default. Anthropic's models get more than 1 as 1",
});

export const CreateChatBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS })),
    model: Type.Optional(ModelId),
    systemPrompt: Type.Optional(SystemPrompt),
    temperature: Type.Optional(Temperature),
    projectId: Type.Optional(
      Type.String({
        ...Id,
        description: "A project of the user; without a model the chat takes the project's",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateChatBody = Static<typeof CreateChatBody>;

export const UpdateChatBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS })),
    model: Type.Optional(ModelId),
    systemPrompt: Type.Optional(SystemPrompt),
    temperature: Type.Optional(Temperature),
    projectId: Type.Optional(
      Type.Union([Id, Type.Null()], {
        description: "Moves the chat into this project of the user; null moves it out",
      }),
    ),
    pinned: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateChatBody = Static<typeof UpdateChatBody>;

export const ChatList = Type.Object(
  { chats: Type.Array(Chat), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: "ChatList" },
);
export type ChatList = Static<typeof ChatList>;

/**
 * Why a chat is in search results: its title contains the text, or else one of its messages does
 * (the newest such message, with a snippet of it around the first occurrence).
 */
export const ChatSearchMatch = Type.Union(
  [
    Type.Object({ in: Type.Literal("title") }),
    Type.Object({
      in: Type.Literal("message"),
      messageId: Id,
      role: MessageRole,
      createdAt: Timestamp,
      snippet: Type.String({
        maxLength: SEARCH_SNIPPET_CHARS,
        description: "The message's text around the match, whitespace collapsed, … where cut",
      }),
    }),
  ],
  { $id: "ChatSearchMatch" },
);
export type ChatSearchMatch = Static<typeof ChatSearchMatch>;

export const ChatSearchHit = Type.Object({ chat: Chat, match: ChatSearchMatch }, { $id: "ChatSearchHit" });
export type ChatSearchHit = Static<typeof ChatSearchHit>;

export const ChatSearchResults = Type.Object(
  {
    results: Type.Array(ChatSearchHit, { description: "Newest activity first, one per chat" }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: "ChatSearchResults" },
);
export type ChatSearchResults = Static<typeof ChatSearchResults>;

export const MessageList = Type.Object(
  {
    messages: Type.Array(Message, { description: "Oldest first" }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: "MessageList" },
);
export type MessageList = Static<typeof MessageList>;

const ClientMessageId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: "^[A-Za-z0-9_-]+$",
  description: "Sending the same id twice makes one turn",
});

export const SendMessageBody = Type.Object(
  {
    content: Type.String({
      maxLength: MAX_MESSAGE_CHARS,
      description: "The question; it may be empty (or blank) only when attachmentIds names a file",
    }),
    clientMessageId: Type.Optional(ClientMessageId),
    model: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "Answer this message with another model" }),
    ),
    attachmentIds: Type.Optional(
      Type.Array(Id, {
        maxItems: MAX_ATTACHMENTS_PER_MESSAGE,
        uniqueItems: true,
        description: "Uploads (POST /api/uploads) of the sender not yet sent in another chat",
      }),
    ),
  },
  { additionalProperties: false },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const SendMessageResponse = Type.Object(
  {
    userMessage: Message,
    assistantMessageId: Type.Optional(
      Type.String({ ...Id, description: "The answer being written; absent while an agent holds the chat" }),
    ),
    heldBy: Type.Optional(
      Type.Object(
        { agentId: Id, name: Type.String() },
        { description: "The agent holding the chat, who answers instead of the AI" },
      ),
    ),
  },
  { $id: "SendMessageResponse" },
);
export type SendMessageResponse = Static<typeof SendMessageResponse>;

/** Answers the latest question of the active path again; the answer `messageId` stays as a version. */
export const RegenerateBody = Type.Object(
  {
    messageId: Id,
    clientMessageId: Type.Optional(ClientMessageId),
    model: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "Answer again with another model" }),
    ),
  },
  { additionalProperties: false },
);
export type RegenerateBody = Static<typeof RegenerateBody>;

/** The question answered again, the new answer's id and the id of the answer it is a new version of. */
export const RegenerateResponse = Type.Object(
  {
    userMessage: Message,
    assistantMessageId: Id,
    replacedMessageId: Type.String({
      ...Id,
      description: "The answer asked about: it stays in the chat as the previous version",
    }),
  },
  { $id: "RegenerateResponse" },
);
export type RegenerateResponse = Static<typeof RegenerateResponse>;

/** A new version of a sent question: a branch from the question's parent, answered at once. */
export const EditMessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS }),
    clientMessageId: Type.Optional(ClientMessageId),
    model: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "Answer the new version with another model" }),
    ),
  },
  { additionalProperties: false },
);
export type EditMessageBody = Static<typeof EditMessageBody>;

/** The new version of the question, the id of its answer being written and the edited question's id. */
export const EditMessageResponse = Type.Object(
  {
    userMessage: Message,
    assistantMessageId: Id,
    editedMessageId: Type.String({
      ...Id,
      description: "The question edited: it stays as the previous version",
    }),
  },
  { $id: "EditMessageResponse" },
);
export type EditMessageResponse = Static<typeof EditMessageResponse>;

/** Makes the branch through `messageId` the chat's active path. */
export const SwitchBranchBody = Type.Object(
  {
    messageId: Type.String({
      ...Id,
      description:
        "Any message of the chat; the active path becomes the one through it, down to its newest version at each step",
    }),
  },
  { additionalProperties: false },
);
export type SwitchBranchBody = Static<typeof SwitchBranchBody>;

/** The chat's active path now ends at `activeLeafId`. */
export const BranchSwitched = Type.Object({ chatId: Id, activeLeafId: Id }, { $id: "BranchSwitched" });
export type BranchSwitched = Static<typeof BranchSwitched>;

export const ChatMessageParams = Type.Object({ id: Id, messageId: Id });

export const ChatIdParams = Type.Object({ id: Id });
export const IdParams = Type.Object({ id: Id });

/** A model users can choose, from the deployment's model file. */
export const ModelSummary = Type.Object(
  {
    id: Type.String(),
    displayName: Type.String(),
    provider: Type.String(),
    contextWindow: Type.Integer({ minimum: 1 }),
    maxOutputTokens: Type.Integer({ minimum: 1 }),
    inputPricePerMillion: Type.Number({ minimum: 0, description: "USD per million input tokens" }),
    outputPricePerMillion: Type.Number({ minimum: 0, description: "USD per million output tokens" }),
    vision: Type.Boolean({
      description: "Reads images: only such a model answers a message that carries one",
    }),
  },
  { $id: "ModelSummary" },
);
export type ModelSummary = Static<typeof ModelSummary>;

export const ModelList = Type.Object(
  { models: Type.Array(ModelSummary), defaultModel: Type.String() },
  { $id: "ModelList" },
);
export type ModelList = Static<typeof ModelList>;

export const UsageTotals = Type.Object(
  {
    inputTokens: Type.Integer({ minimum: 0 }),
    outputTokens: Type.Integer({ minimum: 0 }),
    costUsd: Type.Number({ minimum: 0 }),
    generations: Type.Integer({ minimum: 0 }),
  },
  { $id: "UsageTotals" },
);
export type UsageTotals = Static<typeof UsageTotals>;

export const UsageReport = Type.Object(
  {
    from: Timestamp,
    to: Timestamp,
    total: UsageTotals,
    chats: Type.Array(
      Type.Composite([
        Type.Object({
          chatId: Type.Union([Id, Type.Null()], { description: "null: the OpenAI-compatible API" }),
        }),
        UsageTotals,
      ]),
      { description: "Per chat, most expensive first" },
    ),
    models: Type.Array(
      Type.Composite([Type.Object({ model: Type.String(), provider: Type.String() }), UsageTotals]),
    ),
    days: Type.Array(
      Type.Composite([
        Type.Object({
          day: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "The UTC day, YYYY-MM-DD" }),
          model: Type.String(),
          provider: Type.String(),
        }),
        UsageTotals,
      ]),
      { description: "Per UTC day and model, oldest day first, the most expensive model first within a day" },
    ),
  },
  { $id: "UsageReport" },
);
export type UsageReport = Static<typeof UsageReport>;

/** A user's API key for the OpenAI-compatible API, as listed: the secret itself is never shown again. */
export const ApiKey = Type.Object(
  {
    id: Id,
    name: Type.String(),
    prefix: Type.String({ description: "The key's first characters, to tell keys apart" }),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: "ApiKey" },
);
export type ApiKey = Static<typeof ApiKey>;

export const CreateApiKeyBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const CreatedApiKey = Type.Composite(
  [ApiKey, Type.Object({ key: Type.String({ description: "Shown once: only a hash is stored" }) })],
  { $id: "CreatedApiKey" },
);
export type CreatedApiKey = Static<typeof CreatedApiKey>;

export const ApiKeyList = Type.Object({ keys: Type.Array(ApiKey) }, { $id: "ApiKeyList" });
export type ApiKeyList = Static<typeof ApiKeyList>;

/**
 * A single-use ticket for one stream: `?ticket=` on an SSE URL or on the WebSocket upgrade, for
 * clients that cannot send a header there (EventSource, browsers' WebSocket).
 */
export const StreamTicket = Type.Object(
  {
    ticket: Type.String({
      description: "Opens one SSE stream or one WebSocket as the user who asked for it, once",
    }),
    expiresAt: Type.String({ format: "date-time", description: "Unused after this, it is refused" }),
  },
  { $id: "StreamTicket" },
);
export type StreamTicket = Static<typeof StreamTicket>;

export const HealthReport = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("unavailable")]),
  service: Type.String(),
  checks: Type.Record(Type.String(), Type.Boolean()),
});
export type HealthReport = Static<typeof HealthReport>;
