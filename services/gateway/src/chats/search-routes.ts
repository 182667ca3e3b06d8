import type { StoreClient } from "@chat/bus";
import { AppError, ChatSearchResults } from "@chat/contracts";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import { apiModels } from "../openai/api-models.ts";
import { SearchQuery } from "./query-schemas.ts";

/** `GET /api/search`: the signed-in user's chats whose title or messages contain a text. */
export function searchRoutes(dependencies: { signedIn: SignedIn; store: StoreClient }) {
  const { store } = dependencies;
  return new Elysia({ name: "search-routes", prefix: "/api/search" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .get(
      "",
      async ({ query, user, traceparent }) => {
        const text = query.q.trim();
        if (!text) {
          throw new AppError("VALIDATION_FAILED", "Search for some text, not only spaces", {
            retryable: false,
            details: [{ path: "/q", message: "must contain a character other than whitespace" }],
          });
        }
        const page = await store.call(
          "store.search_chats",
          { userId: user.id, query: text, cursor: query.cursor, limit: query.limit ?? 20 },
          traceparent,
        );
        return { results: page.items, nextCursor: page.nextCursor };
      },
      {
        query: SearchQuery,
        response: { 200: ChatSearchResults, 400: "ErrorBody", 401: "ErrorBody" },
        detail: {
          tags: ["chats"],
          summary: "Search the user's chats: titles and message texts",
          description:
            "Chats whose title or any message contains `q` (trimmed), ignoring the case of ASCII letters, " +
            "newest activity first, one result per chat: `match` says whether the title matched or which " +
            "message did (the newest one that contains it, with a snippet around the text). Page with " +
            "`cursor` = `nextCursor`.",
        },
      },
    );
}
