import {
  CreateProjectBody,
  IdParams,
  Project,
  ProjectList,
  ProjectWithMessages,
  ServiceHealth,
} from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import type { ChatCommands } from "../chats/chat-commands.ts";
import type { UserChats } from "../chats/user-chats.ts";
import { apiModels } from "../openai/api-models.ts";
import { toProject, toProjectMessage } from "./project-view.ts";

/** Chats read per store request while listing every project. */
const listPageSize = 100;

const tags = ["go-chat-compatible"];

/**
 * The Go Chat compatible REST routes: `/api/projects`, where a project is one chat of the
 * signed-in user, over the same use cases as `/api/chats` (`UserChats`, `ChatCommands`).
 * Authentication and errors are the rest of the API's.
 */
export function goChatProjectRoutes(dependencies: {
  signedIn: SignedIn;
  userChats: Pick<UserChats, "create" | "list" | "read">;
  commands: Pick<ChatCommands, "delete">;
}) {
  const { userChats, commands } = dependencies;
  const notFound = { 404: "ErrorBody", 401: "ErrorBody", 400: "ErrorBody" } as const;

  return new Elysia({ name: "go-chat-project-routes", prefix: "/api/projects" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .get(
      "",
      async ({ user, traceparent }) => {
        const projects: Project[] = [];
        let cursor: string | undefined;
        do {
          const page = await userChats.list(user.id, { cursor, limit: listPageSize }, traceparent);
          projects.push(...page.chats.map(toProject));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return projects;
      },
      {
        response: { 200: ProjectList, 401: "ErrorBody" },
        detail: {
          tags,
          summary: "Every project (chat) of the user, latest activity first",
          description: "Go Chat compatible: a bare array, not paged (`GET /api/chats` pages).",
        },
      },
    )
    .post(
      "",
      async ({ body, user, traceparent, status }) => {
        const name = body?.name?.trim();
        const chat = await userChats.create(user.id, name ? { title: name } : {}, traceparent);
        return status(201, toProject(chat));
      },
      {
        body: Type.Optional(CreateProjectBody),
        response: { 201: Project, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags,
          summary: "Create a project: a chat with the deployment's default model",
          description:
            "Go Chat compatible. A blank or missing `name` (or no body) titles the chat automatically after its first answer; other fields are ignored.",
        },
      },
    )
    .get(
      "/:id",
      async ({ params, user, traceparent }) => {
        const { messages, ...chat } = await userChats.read(user.id, params.id, traceparent);
        return { ...toProject(chat), messages: messages.map(toProjectMessage) };
      },
      {
        params: IdParams,
        response: { 200: ProjectWithMessages, ...notFound },
        detail: {
          tags,
          summary: "A project with its newest messages, code blocks by line",
          description:
            "Go Chat compatible. The newest 100 messages of the chat's active path, oldest first; another user's project is 404 CHAT_NOT_FOUND.",
        },
      },
    )
    .delete(
      "/:id",
      async ({ params, user, traceparent, status }) => {
        await commands.delete({ userId: user.id, chatId: params.id, traceparent });
        return status(204, undefined);
      },
      {
        params: IdParams,
        response: { 204: Type.Void({ description: "Deleted" }), ...notFound },
        detail: { tags, summary: "Delete a project: the chat, its messages and files" },
      },
    );
}

/** `GET /health`: liveness in the shape a Go service gives, for the Go Chat frontend; no account needed. */
export function goChatHealthRoute() {
  return new Elysia({ name: "go-chat-health-route" }).get(
    "/health",
    () => ({ status: "ok" as const, timestamp: new Date().toISOString() }),
    {
      response: ServiceHealth,
      detail: {
        tags: ["health"],
        summary: "The process is alive (Go Chat compatible; as /healthz)",
        security: [],
      },
    },
  );
}
