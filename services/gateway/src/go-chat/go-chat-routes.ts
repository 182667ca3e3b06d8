import type { StoreClient } from "@chat/bus";
import {
  CreateProjectBody,
  GoChatErrorFrame,
  GoChatMessageChunkFrame,
  GoChatMessageCompleteFrame,
  GoChatMessageFrame,
  GoChatMessageStartFrame,
  GoChatPingFrame,
  GoChatPongFrame,
  IdParams,
  Project,
  ProjectList,
  type ProjectSummary,
  ProjectWithMessages,
  ServiceHealth,
  UpdateProjectBody,
} from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import type { ChatCommands } from "../chats/chat-commands.ts";
import type { UserChats } from "../chats/user-chats.ts";
import type { RequestContext } from "../http/request-context.ts";
import { apiModels } from "../openai/api-models.ts";
import { toProject, toProjectMessage, toProjectSummary } from "./project-view.ts";

/** Chats read per store request while listing every project. */
const listPageSize = 100;
/** How long `GET /health` waits for the store to say whether its database answers. */
const databaseCheckMs = 2_000;
/** How long one answer of the store serves every `GET /health` (asked and answered alike). */
const checkReuseMs = 1_000;

const tags = ["go-chat-compatible"];

/**
 * The Go Chat compatible REST routes (PRD-002): `/api/projects`, where a project is one chat of
 * the signed-in user, over the same use cases as `/api/chats` (`UserChats`, `ChatCommands`).
 * Authentication is the rest of the API's; errors are the PRD's `{error, code}` (see `errorDialectOf`).
 */
export function goChatProjectRoutes(dependencies: {
  signedIn: SignedIn;
  userChats: Pick<UserChats, "create" | "list" | "read">;
  commands: Pick<ChatCommands, "update" | "delete">;
}) {
  const { userChats, commands } = dependencies;
  const refused = { 400: "GoChatErrorBody", 401: "GoChatErrorBody" } as const;
  const notFound = { ...refused, 404: "GoChatErrorBody" } as const;

  return (
    new Elysia({ name: "go-chat-project-routes", prefix: "/api/projects" })
      .use(apiModels)
      // The socket's frames, so the OpenAPI document holds them beside the routes (it has no WebSocket operations).
      .model({
        GoChatMessageFrame,
        GoChatPingFrame,
        GoChatMessageStartFrame,
        GoChatMessageChunkFrame,
        GoChatMessageCompleteFrame,
        GoChatErrorFrame,
        GoChatPongFrame,
      })
      .use(dependencies.signedIn)
      .get(
        "",
        async ({ user, traceparent }) => {
          const projects: ProjectSummary[] = [];
          let cursor: string | undefined;
          do {
            const page = await userChats.list(user.id, { cursor, limit: listPageSize }, traceparent);
            projects.push(...page.chats.map(toProjectSummary));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return { projects };
        },
        {
          response: { 200: ProjectList, 401: "GoChatErrorBody" },
          detail: {
            tags,
            summary: "Every project (chat) of the user, latest activity first",
            description: "Go Chat compatible: all of them in one answer (`GET /api/chats` pages).",
          },
        },
      )
      .post(
        "",
        async ({ body, user, traceparent, status }) => {
          const title = body?.title?.trim();
          const chat = await userChats.create(user.id, title ? { title } : {}, traceparent);
          return status(201, toProject(chat));
        },
        {
          body: Type.Optional(CreateProjectBody),
          response: { 201: Project, ...refused },
          detail: {
            tags,
            summary: "Create a project: a chat with the deployment's default model",
            description:
              "Go Chat compatible. A blank or missing `title` (or no body) titles the chat automatically after its first answer; other fields are ignored.",
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
      .patch(
        "/:id",
        async ({ params, body, user, traceparent }) =>
          toProject(
            await commands.update({ userId: user.id, chatId: params.id, traceparent }, { title: body.title }),
          ),
        {
          params: IdParams,
          body: UpdateProjectBody,
          response: { 200: Project, ...notFound },
          detail: {
            tags,
            summary: "Rename a project",
            description:
              "Go Chat compatible, as `PATCH /api/chats/:id` with a title; other fields are ignored.",
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
      )
  );
}

/**
 * `GET /health` as PRD-002 gives it: whether the message store's database answers (asked over
 * the bus, as every read is), for the Go Chat frontend and its operators; no account needed.
 */
export function goChatHealthRoute(dependencies: {
  requestContext: RequestContext;
  store: Pick<StoreClient, "call">;
}) {
  const askStore = (traceparent: string) => {
    const answered = dependencies.store
      .call("store.check_database", {}, traceparent)
      .then((reply) => reply.connected)
      .catch(() => false);
    const timeout = new Promise<false>((resolve) =>
      setTimeout(() => resolve(false), databaseCheckMs).unref(),
    );
    return Promise.race([answered, timeout]);
  };
  // Anyone may call /health: however often they do, the store is asked at most once a second.
  let latest: { askedAt: number; answer: Promise<boolean> } | undefined;
  const databaseAnswers = (traceparent: string) => {
    const now = performance.now();
    if (!latest || now - latest.askedAt >= checkReuseMs)
      latest = { askedAt: now, answer: askStore(traceparent) };
    return latest.answer;
  };
  return new Elysia({ name: "go-chat-health-route" }).use(dependencies.requestContext).get(
    "/health",
    async ({ traceparent, set }) => {
      const connected = await databaseAnswers(traceparent);
      if (!connected) set.status = 503;
      return {
        status: connected ? ("healthy" as const) : ("unhealthy" as const),
        database: connected ? ("connected" as const) : ("disconnected" as const),
        timestamp: new Date().toISOString(),
      };
    },
    {
      response: { 200: ServiceHealth, 503: ServiceHealth },
      detail: {
        tags: ["health"],
        summary: "Whether the database answers (Go Chat compatible)",
        description:
          "503 with `unhealthy` when the message store or its database does not answer within 2 s. " +
          "The store is asked at most once a second; calls meanwhile share its answer.",
        security: [],
      },
    },
  );
}
