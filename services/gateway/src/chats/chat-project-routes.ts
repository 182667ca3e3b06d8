import type { StoreClient } from "@chat/bus";
import {
  AppError,
  ChatProject,
  ChatProjectIdParams,
  ChatProjectList,
  CreateChatProjectBody,
  UpdateChatProjectBody,
} from "@chat/contracts";
import { newId } from "@chat/runtime";
import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import type { ChatCommands } from "./chat-commands.ts";
import type { ModelCatalog } from "./model-catalog.ts";

/** Chats read per round while a project's chats are deleted. */
const chatsPerRound = 100;

function projectNotFound(): never {
  throw new AppError("PROJECT_NOT_FOUND", "Project not found", { retryable: false });
}

const DeleteChatProjectQuery = t.Object({
  keepChats: t.Optional(
    t.BooleanString({
      default: true,
      description: "true (the default): the project's chats stay, in no project; false: they are deleted too",
    }),
  ),
});

/**
 * Projects of the signed-in user (`/api/chat-projects`): named groups of chats with instructions
 * for the model and a default model. Chats move in and out with PATCH /api/chats/:id.
 */
export function chatProjectRoutes(dependencies: {
  signedIn: SignedIn;
  store: Pick<StoreClient, "call">;
  models: Pick<ModelCatalog, "resolve">;
  commands: Pick<ChatCommands, "delete">;
}) {
  const { store, models, commands } = dependencies;
  const notFound = { 404: "ErrorBody", 401: "ErrorBody", 400: "ErrorBody" } as const;
  const modelId = async (model: string, traceparent: string) => (await models.resolve(model, traceparent)).id;

  /** Deletes each chat of the project through its actor, as DELETE /api/chats/:id does. */
  const deleteChatsOf = async (userId: string, projectId: string, traceparent: string) => {
    for (;;) {
      const page = await store.call(
        "store.list_chats",
        { userId, projectId, limit: chatsPerRound },
        traceparent,
      );
      let deletedNow = 0;
      for (const chat of page.items) {
        try {
          await commands.delete({ userId, chatId: chat.id, traceparent });
          deletedNow++;
        } catch (error) {
          if (!(AppError.isInstance(error) && error.code === "CHAT_NOT_FOUND")) throw error;
        }
      }
      // A round that deleted nothing would read the same page again.
      if (page.items.length < chatsPerRound || deletedNow === 0) return;
    }
  };

  return new Elysia({ name: "chat-project-routes", prefix: "/api/chat-projects" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      "",
      async ({ body, user, traceparent, status }) => {
        const project = await store.call(
          "store.create_chat_project",
          {
            userId: user.id,
            project: {
              id: newId(),
              name: body.name.trim() || projectNameMissing(),
              instructions: body.instructions?.trim() ?? "",
              ...(body.model !== undefined && { model: await modelId(body.model, traceparent) }),
              createdAt: new Date().toISOString(),
            },
          },
          traceparent,
        );
        return status(201, project);
      },
      {
        body: CreateChatProjectBody,
        response: { 201: ChatProject, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["projects"],
          summary: "Create a project",
          description:
            "`instructions` reach the model in each of the project's chats, after the deployment's system prompt and before the chat's own. `model` (400 MODEL_NOT_AVAILABLE when unknown) is the model of a new chat created in the project without one.",
        },
      },
    )
    .get(
      "",
      async ({ user, traceparent }) => ({
        projects: await store.call("store.list_chat_projects", { userId: user.id }, traceparent),
      }),
      {
        response: { 200: ChatProjectList, 401: "ErrorBody" },
        detail: { tags: ["projects"], summary: "The user's projects, oldest first" },
      },
    )
    .get(
      "/:id",
      async ({ params, user, traceparent }) =>
        (await store.call(
          "store.get_chat_project",
          { userId: user.id, projectId: params.id },
          traceparent,
        )) ?? projectNotFound(),
      {
        params: ChatProjectIdParams,
        response: { 200: ChatProject, ...notFound },
        detail: {
          tags: ["projects"],
          summary: "A project",
          description: "Its chats: GET /api/chats?projectId=",
        },
      },
    )
    .patch(
      "/:id",
      async ({ params, body, user, traceparent }) => {
        if (body.name !== undefined && !body.name.trim()) projectNameMissing();
        const project = await store.call(
          "store.update_chat_project",
          {
            userId: user.id,
            projectId: params.id,
            ...(body.name !== undefined && { name: body.name.trim() }),
            ...(body.instructions !== undefined && { instructions: body.instructions.trim() }),
            ...(body.model !== undefined && {
              model: body.model === null ? null : await modelId(body.model, traceparent),
            }),
          },
          traceparent,
        );
        return project ?? projectNotFound();
      },
      {
        params: ChatProjectIdParams,
        body: UpdateChatProjectBody,
        response: { 200: ChatProject, ...notFound },
        detail: {
          tags: ["projects"],
          summary: "Rename a project, change its instructions or its default model",
          description:
            "An absent field keeps its value; empty instructions clear them, a null model clears the default. The chats' next answers use the instructions as they are then.",
        },
      },
    )
    .delete(
      "/:id",
      async ({ params, query, user, traceparent, status }) => {
        const owner = { userId: user.id, projectId: params.id };
        if (!(await store.call("store.get_chat_project", owner, traceparent))) projectNotFound();
        if (query.keepChats === false) await deleteChatsOf(user.id, params.id, traceparent);
        await store.call("store.delete_chat_project", owner, traceparent);
        return status(204, undefined);
      },
      {
        params: ChatProjectIdParams,
        query: DeleteChatProjectQuery,
        response: { 204: Type.Void({ description: "Deleted" }), ...notFound },
        detail: {
          tags: ["projects"],
          summary: "Delete a project; its chats stay, in no project, or are deleted with it",
          description:
            "With keepChats=false each chat of the project, archived ones too, is deleted as DELETE /api/chats/:id deletes it.",
        },
      },
    );
}

function projectNameMissing(): never {
  throw new AppError("VALIDATION_FAILED", "Name the project: not only spaces", {
    retryable: false,
    details: [{ path: "/name", message: "must contain a character other than whitespace" }],
  });
}
