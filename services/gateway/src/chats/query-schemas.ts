import { MAX_PAGE_SIZE, MAX_SEARCH_QUERY_CHARS } from "@chat/contracts";
import { t } from "elysia";

// Query strings arrive as text: Elysia's `t` numbers coerce them, plain TypeBox ones would not.

export const PageQuery = t.Object({
  cursor: t.Optional(t.String({ maxLength: 200, description: "nextCursor of the previous page" })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 30 })),
});

export const ChatListQuery = t.Object({
  ...PageQuery.properties,
  projectId: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 64,
      pattern: "^[A-Za-z0-9_-]+$",
      description: "Only this project's chats",
    }),
  ),
  archived: t.Optional(t.BooleanString({ description: "true: only archived chats (left out otherwise)" })),
});

export const SearchQuery = t.Object({
  q: t.String({ minLength: 1, maxLength: MAX_SEARCH_QUERY_CHARS, description: "The text to find" }),
  cursor: PageQuery.properties.cursor,
  limit: t.Optional(t.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })),
});

export const EventsQuery = t.Object({
  lastEventId: t.Optional(
    t.String({ maxLength: 100, description: "For clients that cannot send the Last-Event-ID header" }),
  ),
});

export const UsageQuery = t.Object({
  from: t.Optional(t.String({ format: "date-time", description: "Start, inclusive; default 30 days ago" })),
  to: t.Optional(t.String({ format: "date-time", description: "End, exclusive; default now" })),
});
