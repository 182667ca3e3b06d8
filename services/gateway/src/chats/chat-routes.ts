import type { StoreClient } from "@chat/bus";
import {
  AppError,
  BranchSwitched,
  CancelReply,
  Chat,
  ChatAssistance,
  ChatIdParams,
  ChatList,
  ChatMessageParams,
  ChatWithMessages,
  CreateChatBody,
  EditMessageBody,
  EditMessageResponse,
  HelpRequestBody,
  MessageList,
  RegenerateBody,
  RegenerateResponse,
  SendMessageBody,
  SendMessageResponse,
  SwitchBranchBody,
  UpdateChatBody,
} from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import type { ChatAssistanceCommands } from "./chat-assistance.ts";
import type { ChatCommands } from "./chat-commands.ts";
import { ChatListQuery, PageQuery } from "./query-schemas.ts";
import type { UserChats } from "./user-chats.ts";

function chatNotFound(): never {
  throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
}

/** Chats and messages of the signed-in user; writes to a chat go through its actor. */
export function chatRoutes(dependencies: {
  signedIn: SignedIn;
  store: Pick<StoreClient, "call">;
  userChats: UserChats;
  commands: ChatCommands;
  assistance: ChatAssistanceCommands;
}) {
  const { store, userChats, commands, assistance } = dependencies;
  const notFound = { 404: "ErrorBody", 401: "ErrorBody", 400: "ErrorBody" } as const;

  return new Elysia({ name: "chat-routes", prefix: "/api/chats" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      "",
      async ({ body, user, traceparent, status }) =>
        status(201, await userChats.create(user.id, body, traceparent)),
      {
        body: CreateChatBody,
        response: { 201: Chat, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["chats"],
          summary: "Create a chat",
          description:
            "Without a model the project's default is used (with `projectId`, 404 PROJECT_NOT_FOUND unless it is the user's), else the deployment's; an unknown one answers 400 MODEL_NOT_AVAILABLE. Without a title, the chat is titled automatically after its first answer.",
        },
      },
    )
    .get(
      "",
      ({ query, user, traceparent }) =>
        userChats.list(
          user.id,
          {
            cursor: query.cursor,
            limit: query.limit ?? 30,
            ...(query.projectId !== undefined && { projectId: query.projectId }),
            archived: query.archived === true,
          },
          traceparent,
        ),
      {
        query: ChatListQuery,
        response: { 200: ChatList, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["chats"],
          summary: "The user's chats, pinned ones first, then newest activity first",
          description:
            "Archived chats are left out unless `archived=true`, which lists only them; `projectId` lists the chats of one project (none for another user's). Page with `cursor` = `nextCursor` and the same filters.",
        },
      },
    )
    .get("/:id", ({ params, user, traceparent }) => userChats.read(user.id, params.id, traceparent), {
      params: ChatIdParams,
      response: { 200: ChatWithMessages, ...notFound },
      detail: {
        tags: ["chats"],
        summary: "A chat with the newest messages of its active path",
        description:
          "The messages are the active path of the chat's message tree; a message with versions (an edited question, a regenerated answer) lists them in `siblingIds`.",
      },
    })
    .patch(
      "/:id",
      ({ params, body, user, traceparent }) =>
        commands.update({ userId: user.id, chatId: params.id, traceparent }, body),
      {
        params: ChatIdParams,
        body: UpdateChatBody,
        response: { 200: Chat, ...notFound },
        detail: {
          tags: ["chats"],
          summary:
            "Change a chat's settings: title, model, system prompt, temperature, project, pin, archive",
          description:
            "Every device of the user hears chat_updated. An empty systemPrompt clears it; a null temperature restores the model's default. `projectId` moves the chat into a project of the user (404 PROJECT_NOT_FOUND otherwise), null moves it out; an archived chat leaves GET /api/chats for its archive.",
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
        params: ChatIdParams,
        response: { 204: Type.Void({ description: "Deleted" }), ...notFound },
        detail: { tags: ["chats"], summary: "Delete a chat and its messages" },
      },
    )
    .get(
      "/:id/messages",
      async ({ params, query, user, traceparent }) => {
        const page = await store.call(
          "store.list_messages",
          { chatId: params.id, userId: user.id, cursor: query.cursor, limit: query.limit ?? 30 },
          traceparent,
        );
        if (!page) chatNotFound();
        return { messages: page.items, nextCursor: page.nextCursor };
      },
      {
        params: ChatIdParams,
        query: PageQuery,
        response: { 200: MessageList, ...notFound },
        detail: {
          tags: ["messages"],
          summary: "The messages of a chat's active path, oldest first, page by page",
        },
      },
    )
    .post(
      "/:id/cancel",
      ({ params, user, traceparent }) => commands.cancel({ userId: user.id, chatId: params.id, traceparent }),
      {
        params: ChatIdParams,
        response: { 200: CancelReply, ...notFound },
        detail: {
          tags: ["messages"],
          summary: "Stop the answer being generated",
          description:
            'Aborts the model request; the partial answer is stored with finishReason "cancelled" and the chat accepts the next message once message_complete arrives. `cancelled` is false when nothing was running.',
        },
      },
    )
    .post(
      "/:id/messages",
      async ({ params, body, user, traceparent, status }) => {
        const reply = await commands.send({ userId: user.id, chatId: params.id, traceparent }, body);
        return status(202, reply);
      },
      {
        params: ChatIdParams,
        body: SendMessageBody,
        response: { 202: SendMessageResponse, 409: "ErrorBody", 429: "ErrorBody", ...notFound },
        detail: {
          tags: ["messages"],
          summary: "Send a message; the answer streams on the chat's events",
          description:
            "Answers 409 CHAT_BUSY while the previous answer is streaming. The same clientMessageId twice makes one turn. `model` answers this message with another model than the chat's (400 MODEL_NOT_AVAILABLE when unknown). " +
            "`attachmentIds` name uploads of the sender: images go to the model as images (400 MODEL_CANNOT_SEE_IMAGES for a model whose `vision` is false), PDFs and text files as their text. " +
            "`content` is at most MAX_MESSAGE_CHARS characters (400 VALIDATION_FAILED); messages sent here, over the WebSocket and to /v1/chat/completions count against GENERATIONS_PER_USER_PER_MINUTE (429 RATE_LIMITED with Retry-After).",
        },
      },
    )
    .post(
      "/:id/regenerate",
      async ({ params, body, user, traceparent, status }) => {
        const reply = await commands.regenerate({ userId: user.id, chatId: params.id, traceparent }, body);
        return status(202, reply);
      },
      {
        params: ChatIdParams,
        body: RegenerateBody,
        response: { 202: RegenerateResponse, 409: "ErrorBody", 429: "ErrorBody", ...notFound },
        detail: {
          tags: ["messages"],
          summary: "Answer the latest question again; the old answer stays as a version",
          description:
            "`messageId` must be the last message of the active path, an answer (else 409 NOT_LATEST_ANSWER); 409 CHAT_BUSY while an answer is streaming. " +
            "The new answer is a sibling of the old one (both are listed in its `siblingIds`); the chat's events carry branch_switched (the path ends at the question again), then the new answer as for a sent message. " +
            "`model` answers with another model than the chat's; the same clientMessageId twice makes one turn; counts against GENERATIONS_PER_USER_PER_MINUTE.",
        },
      },
    )
    .post(
      "/:id/messages/:messageId/edit",
      async ({ params, body, user, traceparent, status }) => {
        const reply = await commands.edit(
          { userId: user.id, chatId: params.id, traceparent },
          params.messageId,
          body,
        );
        return status(202, reply);
      },
      {
        params: ChatMessageParams,
        body: EditMessageBody,
        response: { 202: EditMessageResponse, 409: "ErrorBody", 429: "ErrorBody", ...notFound },
        detail: {
          tags: ["messages"],
          summary: "Edit a sent question: a new version of it, answered on a new branch",
          description:
            "Any question of the chat (404 MESSAGE_NOT_FOUND otherwise). The new version follows the question's parent and keeps its attachments; it becomes the active path, and the old question with everything after it stays reachable (`siblingIds`, POST /api/chats/:id/branch). " +
            "The chat's events carry message_created and branch_switched, then the answer. 409 CHAT_BUSY while an answer streams, CHAT_HELD while an agent holds the chat; limits and clientMessageId as for a sent message.",
        },
      },
    )
    .post(
      "/:id/branch",
      ({ params, body, user, traceparent }) =>
        commands.switchBranch({ userId: user.id, chatId: params.id, traceparent }, body),
      {
        params: ChatIdParams,
        body: SwitchBranchBody,
        response: { 200: BranchSwitched, 409: "ErrorBody", ...notFound },
        detail: {
          tags: ["messages"],
          summary: "Switch to another branch of the chat",
          description:
            "The active path becomes the one through `messageId` (any message of the chat, 404 MESSAGE_NOT_FOUND otherwise), down its newest version at each step; the answer names where it ends. " +
            "Every device hears branch_switched. 409 CHAT_BUSY while an answer streams. History, search, the model's context and the next message follow the active path.",
        },
      },
    )
    .post(
      "/:id/help",
      ({ params, body, user, traceparent }) =>
        assistance.requestHelp({ userId: user.id, chatId: params.id, traceparent }, body ?? {}),
      {
        params: ChatIdParams,
        body: Type.Optional(HelpRequestBody),
        response: { 200: ChatAssistance, ...notFound },
        detail: {
          tags: ["help"],
          summary: "Ask a person: the chat is marked needs_help and staff are notified",
          description:
            "The chat's events carry `help_requested` (to every device of the user; staff are notified from it). " +
            "Asking again while the request is open, or while an agent holds the chat, changes nothing. The optional `note` says why (at most 1000 characters).",
        },
      },
    )
    .delete(
      "/:id/help",
      ({ params, user, traceparent }) =>
        assistance.cancelHelpRequest({ userId: user.id, chatId: params.id, traceparent }),
      {
        params: ChatIdParams,
        response: { 200: ChatAssistance, ...notFound },
        detail: {
          tags: ["help"],
          summary: "Withdraw the help request",
          description: "The chat's events carry `help_cancelled`; with no open request nothing changes.",
        },
      },
    );
}
