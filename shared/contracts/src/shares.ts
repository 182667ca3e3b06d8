import { type Static, Type } from "@sinclair/typebox";
import { CodeBlock, Id, MessageRole, Timestamp } from "./http.ts";

/** A share link's id: 128 random bits, base64url; unguessable, so the link is the key. */
export const ShareId = Type.String({ minLength: 22, maxLength: 22, pattern: "^[A-Za-z0-9_-]+$" });

/** A message as a share link shows it: what was said and when, nothing about who or how. */
export const SharedMessage = Type.Object(
  {
    role: MessageRole,
    content: Type.String(),
    createdAt: Timestamp,
    codeBlocks: Type.Optional(Type.Array(CodeBlock)),
  },
  { $id: "SharedMessage" },
);
export type SharedMessage = Static<typeof SharedMessage>;

/** The most messages a share link keeps: the newest, when a chat has more. */
export const MAX_SHARED_MESSAGES = 1_000;

/** What anyone with the link reads: the chat as it was when the link was made. */
export const SharedChat = Type.Object(
  {
    id: ShareId,
    title: Type.String(),
    model: Type.String(),
    /** When the snapshot was taken. */
    createdAt: Timestamp,
    messages: Type.Array(SharedMessage),
    /** The chat had more than MAX_SHARED_MESSAGES messages; the earliest are left out. */
    truncated: Type.Boolean(),
  },
  { $id: "SharedChat" },
);
export type SharedChat = Static<typeof SharedChat>;

/** A share link as its owner lists it. */
export const ShareSummary = Type.Object(
  {
    id: ShareId,
    chatId: Id,
    title: Type.String(),
    createdAt: Timestamp,
    messageCount: Type.Integer({ minimum: 0 }),
    /** Where the read-only page is: `/s/<id>`. */
    path: Type.String(),
  },
  { $id: "ShareSummary" },
);
export type ShareSummary = Static<typeof ShareSummary>;

export const ShareList = Type.Object(
  { shares: Type.Array(ShareSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: "ShareList" },
);
export type ShareList = Static<typeof ShareList>;

/** A share link as the store keeps it: the snapshot and whose it is. */
export const StoredShare = Type.Object({
  ...SharedChat.properties,
  userId: Id,
  chatId: Id,
});
export type StoredShare = Static<typeof StoredShare>;
