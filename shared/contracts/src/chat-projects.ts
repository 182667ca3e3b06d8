import { type Static, Type } from "@sinclair/typebox";
import { Id, MAX_SYSTEM_PROMPT_CHARS, Timestamp } from "./http.ts";

/** Longest project name, in characters. */
export const MAX_PROJECT_NAME_CHARS = 100;

const ProjectName = Type.String({ minLength: 1, maxLength: MAX_PROJECT_NAME_CHARS });
const ProjectInstructions = Type.String({
  maxLength: MAX_SYSTEM_PROMPT_CHARS,
  description:
    "Added to the system prompt of each of the project's chats, before the chat's own; empty for none",
});
const ProjectModel = Type.String({
  minLength: 1,
  maxLength: 128,
  description: "An id from GET /api/models: the model of a new chat in the project unless one is given",
});

/** A named group of a user's chats with its own instructions and default model. */
export const ChatProject = Type.Object(
  {
    id: Id,
    name: Type.String(),
    instructions: Type.String({ description: "Empty when the project has none" }),
    model: Type.Optional(ProjectModel),
    createdAt: Timestamp,
  },
  { $id: "ChatProject" },
);
export type ChatProject = Static<typeof ChatProject>;

export const ChatProjectList = Type.Object(
  { projects: Type.Array(ChatProject, { description: "Oldest first" }) },
  { $id: "ChatProjectList" },
);
export type ChatProjectList = Static<typeof ChatProjectList>;

export const CreateChatProjectBody = Type.Object(
  {
    name: ProjectName,
    instructions: Type.Optional(ProjectInstructions),
    model: Type.Optional(ProjectModel),
  },
  { additionalProperties: false },
);
export type CreateChatProjectBody = Static<typeof CreateChatProjectBody>;

export const UpdateChatProjectBody = Type.Object(
  {
    name: Type.Optional(ProjectName),
    instructions: Type.Optional(ProjectInstructions),
    model: Type.Optional(Type.Union([ProjectModel, Type.Null()], { description: "null: no default model" })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateChatProjectBody = Static<typeof UpdateChatProjectBody>;

export const ChatProjectIdParams = Type.Object({ id: Id });
