import { type Static, Type } from "@sinclair/typebox";
import { ErrorCode } from "./errors.ts";
import { Id, MAX_TITLE_CHARS, MessageRole, SendMessageBody, Timestamp } from "./http.ts";

/**
 * The Go Chat compatible API: the REST routes under `/api/projects`, `GET /health` and the
 * WebSocket `/ws/chat?projectId=` that the PRD's Go Chat frontend speaks. A "project" is one chat.
 * The PRD itself was not at hand: every field shape here is an assumption, listed in README
 * ("Go Chat compatible API") and ADR 0024. Field names are camelCase, as the issue writes
 * `projectId`, `codeBlocks` and `startLine`. Bodies and client frames allow unknown fields (they
 * are ignored): a frontend written against the PRD must work unchanged.
 */

/** A code block of an answer, by the lines of the answer it spans. */
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

/** One conversation, as a project. */
export const Project = Type.Object(
  {
    id: Id,
    name: Type.String({ description: "The chat's title" }),
    createdAt: Timestamp,
    updatedAt: Type.String({ format: "date-time", description: "The chat's last activity" }),
  },
  { $id: "Project" },
);
export type Project = Static<typeof Project>;

export const ProjectMessage = Type.Object(
  {
    id: Id,
    role: MessageRole,
    content: Type.String(),
    codeBlocks: Type.Array(ProjectCodeBlock, { description: "Empty for the user's messages" }),
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

export const ProjectList = Type.Array(Project, {
  $id: "ProjectList",
  description: "Every project of the user, latest activity first",
});
export type ProjectList = Static<typeof ProjectList>;

export const CreateProjectBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        maxLength: MAX_TITLE_CHARS,
        description: "Blank: titled automatically after the first answer",
      }),
    ),
  },
  { additionalProperties: true },
);
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const ServiceHealth = Type.Object(
  {
    status: Type.Literal("ok"),
    timestamp: Type.String({ format: "date-time", description: "The server's time" }),
  },
  { $id: "ServiceHealth" },
);
export type ServiceHealth = Static<typeof ServiceHealth>;

/** A client's time on a frame: an ISO 8601 string or milliseconds since 1970, as JavaScript sends either. */
const ClientTimestamp = Type.Union([Type.String({ maxLength: 64 }), Type.Number()], {
  description: "The client's time; echoed by `pong`",
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

/** Asks for a `pong` carrying the same `timestamp`. */
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

/** Server frames of `/ws/chat`; each carries the server's `timestamp` (`pong`: the ping's). */
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
    content: Type.String({ description: "The whole answer" }),
    codeBlocks: Type.Array(ProjectCodeBlock),
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
export const GoChatPongFrame = Type.Object(
  { type: Type.Literal("pong"), timestamp: ClientTimestamp },
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
