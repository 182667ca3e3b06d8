import type { StoreClient } from "@chat/bus";
import { AppError, ChatIdParams, SharedChat, ShareList, ShareSummary } from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { PageQuery } from "../chats/query-schemas.ts";
import type { RequestContext } from "../http/request-context.ts";
import { apiModels } from "../openai/api-models.ts";

/** Bytes of randomness in a share id: 128 bits, 22 base64url characters. */
const shareIdBytes = 16;
/** A share link's public page. */
export const sharePagePath = (shareId: string) => `/s/${shareId}`;
/** Share links are read by anyone with the link; search engines must not list them. */
const noIndex = "noindex, nofollow, noarchive";

function newShareId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(shareIdBytes))).toString("base64url");
}

function shareNotFound(): AppError {
  return new AppError("SHARE_NOT_FOUND", "This link does not exist or was revoked", { retryable: false });
}

const ShareIdParams = Type.Object({ id: Type.String({ maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" }) });

/**
 * Share links: the owner of a chat makes a read-only snapshot of it (`POST /api/chats/:id/shares`),
 * lists and revokes their links; anyone with a link reads the snapshot (`GET /api/shared/:id`,
 * no account) and the app shows it at `/s/:id`. A snapshot holds the messages' text and times
 * only: never the owner's email or name, the chat's id, agents' names or files.
 */
export function shareRoutes(dependencies: {
  requestContext: RequestContext;
  signedIn: SignedIn;
  store: StoreClient;
}) {
  const { store } = dependencies;
  const summaryOf = (share: {
    id: string;
    chatId: string;
    title: string;
    createdAt: string;
    messageCount: number;
  }) => ({
    ...share,
    path: sharePagePath(share.id),
  });

  const publicRoute = new Elysia({ name: "shared-chat-route" })
    .use(apiModels)
    .use(dependencies.requestContext)
    .get(
      "/api/shared/:id",
      async ({ params, traceparent, set }) => {
        set.headers["x-robots-tag"] = noIndex;
        // A revoked link must stop showing at once: nothing may keep a copy.
        set.headers["cache-control"] = "no-store";
        const share = await store.call("store.find_share", { shareId: params.id }, traceparent);
        if (!share) throw shareNotFound();
        const { userId: _owner, chatId: _chat, ...shared } = share;
        return shared;
      },
      {
        params: ShareIdParams,
        response: { 200: SharedChat, 404: "ErrorBody" },
        detail: {
          tags: ["shares"],
          summary: "A shared chat, read-only, for anyone with the link",
          description:
            "The snapshot taken when the link was made: title, model and the messages' role, text, time " +
            "and code blocks. 404 SHARE_NOT_FOUND once revoked. `X-Robots-Tag: noindex`.",
          security: [],
        },
      },
    );

  return new Elysia({ name: "share-routes" })
    .use(publicRoute)
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      "/api/chats/:id/shares",
      async ({ params, user, traceparent, status }) => {
        const share = await store.call(
          "store.create_share",
          { userId: user.id, chatId: params.id, shareId: newShareId(), createdAt: new Date().toISOString() },
          traceparent,
        );
        if (!share) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
        return status(
          201,
          summaryOf({
            id: share.id,
            chatId: share.chatId,
            title: share.title,
            createdAt: share.createdAt,
            messageCount: share.messages.length,
          }),
        );
      },
      {
        params: ChatIdParams,
        response: { 201: ShareSummary, 401: "ErrorBody", 404: "ErrorBody" },
        detail: {
          tags: ["shares"],
          summary: "Make a read-only share link of the chat as it is now",
          description:
            "Later messages do not show in the link; make a new one for them. The page is `path` " +
            "(`/s/<id>`), readable without an account until revoked.",
        },
      },
    )
    .get(
      "/api/shares",
      async ({ query, user, traceparent }) => {
        const page = await store.call(
          "store.list_shares",
          { userId: user.id, cursor: query.cursor, limit: query.limit ?? 30 },
          traceparent,
        );
        return { shares: page.items.map(summaryOf), nextCursor: page.nextCursor };
      },
      {
        query: PageQuery,
        response: { 200: ShareList, 400: "ErrorBody", 401: "ErrorBody" },
        detail: { tags: ["shares"], summary: "The user's share links, newest first" },
      },
    )
    .delete(
      "/api/shares/:id",
      async ({ params, user, traceparent, status }) => {
        const { deleted } = await store.call(
          "store.delete_share",
          { userId: user.id, shareId: params.id },
          traceparent,
        );
        if (!deleted) throw shareNotFound();
        return status(204, undefined);
      },
      {
        params: ShareIdParams,
        response: {
          204: Type.Void({ description: "Revoked: the link shows nothing from now on" }),
          401: "ErrorBody",
          404: "ErrorBody",
        },
        detail: { tags: ["shares"], summary: "Revoke a share link" },
      },
    );
}
