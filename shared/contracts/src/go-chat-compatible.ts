import { type Static, Type } from "@sinclair/typebox";
import { ErrorCode } from "./errors.ts";
import { Id, MAX_TITLE_CHARS, MessageRole, SendMessageBody, Timestamp } from "./http.ts";

/**
 * The Go Chat compatible API: the REST routes under `/api/projects`, `GET /health` and the
 * WebSocket `/ws/chat?projectId=` of the Go Chat PRD (PRD-002, "Backend API": its API contracts,
 * field by field), which its Next.js frontend speaks. A "project" is one chat. Bodies and client
 * frames allow unknown fields (they are ignored): a frontend written against the PRD works unchanged.
 */

/** A code block of an answer, by the lines of the answer it spans (a project's message). */
export const ProjectCodeBlock = Type.Object(
  {
    language: Type.String({ description: "Info string of the fence; empty when none was given" }),
    code: Type.String(),
    startLine: Type.Integer({
      minimum: 1,
      description: "1-based line of the answer where the block starts: its opening fence",
    }),
    endLine: Type.Integer({
      minimum: 1,
      description: "1-based line of the answer where the block ends: its closing fence (or last line)",
    }),
  },
  { $id: "ProjectCodeBlock" },
);
export type ProjectCodeBlock = Static<typeof ProjectCodeBlock>;

/** A code block of a finished answer on the socket: by character offsets (the PRD's frame) and by lines. */
export const GoChatCodeBlock = Type.Composite(
  [
    ProjectCodeBlock,
    Type.Object({
      startIndex: Type.Integer({
        minimum: 0,
        description: "Offset in `fullContent` of the block's first character",
      }),
      endIndex: Type.Integer({ minimum: 0, description: "Offset in `fullContent` just past the block" }),
    }),
  ],
  { $id: "GoChatCodeBlock" },
);
export type GoChatCodeBlock = Static<typeof GoChatCodeBlock>;

/** One conversation, as a project. */
export const Project = Type.Object(
  {
    id: Id,
    title: Type.String({ description: "The chat's title" }),
    createdAt: Timestamp,
    updatedAt: Type.String({ format: "date-time", description: "The chat's last activity" }),
  },
  { $id: "Project" },
);
export type Project = Static<typeof Project>;

/** A project as the list shows it. */
export const ProjectSummary = Type.Composite(
  [
    Project,
    Type.Object({
      messageCount: Type.Integer({ minimum: 0, description: "How many messages the chat has" }),
    }),
  ],
  { $id: "ProjectSummary" },
);
export type ProjectSummary = Static<typeof ProjectSummary>;

export const ProjectMessage = Type.Object(
  {
    id: Id,
    role: MessageRole,
    content: Type.String(),
    codeBlocks: Type.Optional(
      Type.Array(ProjectCodeBlock, { description: "An answer's code blocks; absent on the user's messages" }),
    ),
    createdAt: Timestamp,
  },
  { $id: "ProjectMessage" },
);
export type ProjectMessage = Static<typeof ProjectMessage>;

export const ProjectWithMessages = Type.Composite(
  [
    Project,
    Type.Object({
      messages: Type.Array(ProjectMessage, {
        description: "The newest 100 messages of the chat's active path, oldest first",
      }),
    }),
  ],
  { $id: "ProjectWithMessages" },
);
export type ProjectWithMessages = Static<typeof ProjectWithMessages>;

export const ProjectList = Type.Object(
  {
    projects: Type.Array(ProjectSummary, { description: "Every project of the user, latest activity first" }),
  },
  { $id: "ProjectList" },
);
export type ProjectList = Static<typeof ProjectList>;

const ProjectTitle = Type.String({ maxLength: MAX_TITLE_CHARS });

export const CreateProjectBody = Type.Object(
  {
    title: Type.Optional(
      Type.String({
        ...ProjectTitle,
        description: "Blank or absent: titled automatically after the first answer",
      }),
    ),
  },
  { additionalProperties: true },
);
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const UpdateProjectBody = Type.Object(
  { title: Type.String({ ...ProjectTitle, minLength: 1, description: "The new title" }) },
  { additionalProperties: true },
);
export type UpdateProjectBody = Static<typeof UpdateProjectBody>;

export const ServiceHealth = Type.Object(
  {
    status: Type.Union([Type.Literal("healthy"), Type.Literal("unhealthy")]),
    database: Type.Union([Type.Literal("connected"), Type.Literal("disconnected")], {
      description: "Whether the message store answered, with its database, within 2 seconds",
    }),
    timestamp: Type.String({ format: "date-time", description: "The server's time" }),
  },
  { $id: "ServiceHealth" },
);
export type ServiceHealth = Static<typeof ServiceHealth>;

/** The error body of the Go Chat compatible routes: the PRD's `{"error": "project not found"}`, with our code. */
export const GoChatErrorBody = Type.Object(
  {
    error: Type.String({ description: "What went wrong, for people" }),
    code: ErrorCode,
    details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: "GoChatErrorBody" },
);
export type GoChatErrorBody = Static<typeof GoChatErrorBody>;

/** A client's time on a frame: an ISO 8601 string or milliseconds since 1970, as JavaScript sends either. */
const ClientTimestamp = Type.Union([Type.String({ maxLength: 64 }), Type.Number()], {
  description: "The client's time; a ping's comes back in its pong",
});

const clientFrameOptions = { additionalProperties: true } as const;

/** Sends a message to the socket's project; the answer streams as `message_start`, `message_chunk`s, `message_complete`. */
export const GoChatMessageFrame = Type.Object(
  {
    type: Type.Literal("chat_message"),
    // No attachments here, so never empty.
    content: Type.String({ minLength: 1, maxLength: SendMessageBody.properties.content.maxLength }),
    timestamp: Type.Optional(ClientTimestamp),
  },
  { ...clientFrameOptions, $id: "GoChatMessageFrame" },
);
export type GoChatMessageFrame = Static<typeof GoChatMessageFrame>;

/** Keep-alive: answered by `pong` (with this `timestamp`, when it has one). */
export const GoChatPingFrame = Type.Object(
  { type: Type.Literal("ping"), timestamp: Type.Optional(ClientTimestamp) },
  { ...clientFrameOptions, $id: "GoChatPingFrame" },
);
export type GoChatPingFrame = Static<typeof GoChatPingFrame>;

/** Each client frame schema of `/ws/chat` by its `type`. */
export const goChatClientFrameSchemas = {
  chat_message: GoChatMessageFrame,
  ping: GoChatPingFrame,
} as const;

const ServerTimestamp = Type.String({ format: "date-time", description: "When the server sent the frame" });

/** Server frames of `/ws/chat`; each but `pong` carries the server's `timestamp`. */
export const GoChatMessageStartFrame = Type.Object(
  { type: Type.Literal("message_start"), messageId: Id, timestamp: ServerTimestamp },
  { $id: "GoChatMessageStartFrame" },
);
export const GoChatMessageChunkFrame = Type.Object(
  {
    type: Type.Literal("message_chunk"),
    messageId: Id,
    content: Type.String({ description: "Text to append to the answer" }),
    timestamp: ServerTimestamp,
  },
  { $id: "GoChatMessageChunkFrame" },
);
export const GoChatMessageCompleteFrame = Type.Object(
  {
    type: Type.Literal("message_complete"),
    messageId: Id,
    fullContent: Type.String({ description: "The whole answer" }),
    codeBlocks: Type.Array(GoChatCodeBlock),
    timestamp: ServerTimestamp,
  },
  { $id: "GoChatMessageCompleteFrame" },
);
export const GoChatErrorFrame = Type.Object(
  {
    type: Type.Literal("error"),
    code: ErrorCode,
    error: Type.String({ description: "What went wrong, for people" }),
    timestamp: ServerTimestamp,
  },
  { $id: "GoChatErrorFrame" },
);
/** The PRD's bare `{"type":"pong"}`; the ping's own `timestamp` when it carried one. */
export const GoChatPongFrame = Type.Object(
  { type: Type.Literal("pong"), timestamp: Type.Optional(ClientTimestamp) },
  { $id: "GoChatPongFrame" },
);

export type GoChatMessageStartFrame = Static<typeof GoChatMessageStartFrame>;
export type GoChatMessageChunkFrame = Static<typeof GoChatMessageChunkFrame>;
export type GoChatMessageCompleteFrame = Static<typeof GoChatMessageCompleteFrame>;
export type GoChatErrorFrame = Static<typeof GoChatErrorFrame>;
export type GoChatPongFrame = Static<typeof GoChatPongFrame>;
export type GoChatServerFrame =
  | GoChatMessageStartFrame
  | GoChatMessageChunkFrame
  | GoChatMessageCompleteFrame
  | GoChatErrorFrame
  | GoChatPongFrame;
