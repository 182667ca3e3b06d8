import { type Static, Type } from "@sinclair/typebox";
import { MessageAttachment, MessageRole } from "../http.ts";

/** The image types every vision model of every provider reads. */
export const ModelImageMediaType = Type.Union([
  Type.Literal("image/png"),
  Type.Literal("image/jpeg"),
  Type.Literal("image/webp"),
  Type.Literal("image/gif"),
]);
export type ModelImageMediaType = Static<typeof ModelImageMediaType>;

/**
 * Image bytes sent with a message rather than uploaded first (the `/v1` API's data URLs), checked
 * and re-encoded by the gateway like an upload.
 */
export const InlineImage = Type.Object({
  mediaType: ModelImageMediaType,
  /** The bytes, base64. */
  data: Type.String({ minLength: 1, pattern: "^[A-Za-z0-9+/]+=*$" }),
});
export type InlineImage = Static<typeof InlineImage>;

/** One turn of model context. */
export const ContextMessage = Type.Object({
  role: Type.Union([MessageRole, Type.Literal("system")]),
  content: Type.String(),
  /** Uploads of the chat's user that the turn carries; the orchestrator reads them from storage. */
  attachments: Type.Optional(Type.Array(MessageAttachment)),
  images: Type.Optional(Type.Array(InlineImage)),
});
export type ContextMessage = Static<typeof ContextMessage>;
