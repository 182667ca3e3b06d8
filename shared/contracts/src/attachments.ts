import { type Static, Type } from "@sinclair/typebox";
import { Id, MAX_ATTACHMENT_NAME_CHARS, Timestamp } from "./http.ts";

/** What kind of file an attachment is, decided from its bytes. */
export const AttachmentKind = Type.Union(
  [Type.Literal("image"), Type.Literal("pdf"), Type.Literal("text"), Type.Literal("audio")],
  { $id: "AttachmentKind" },
);
export type AttachmentKind = Static<typeof AttachmentKind>;

/** An uploaded file, as its owner sees it. */
export const Attachment = Type.Object(
  {
    id: Id,
    /** The file's name without any path or control characters. */
    name: Type.String({ minLength: 1, maxLength: MAX_ATTACHMENT_NAME_CHARS }),
    kind: AttachmentKind,
    /** The media type found in the bytes, never the one the client claimed. */
    mediaType: Type.String(),
    size: Type.Integer({
      minimum: 0,
      description: "Bytes as stored (after an image's metadata is stripped)",
    }),
    /** The chat of the message that carries it; null until it is sent. */
    chatId: Type.Union([Id, Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: "Attachment" },
);
export type Attachment = Static<typeof Attachment>;

/** An attachment and a download URL of its bytes that works without credentials until it expires. */
export const AttachmentWithUrl = Type.Composite(
  [Attachment, Type.Object({ url: Type.String(), urlExpiresAt: Timestamp })],
  { $id: "AttachmentWithUrl" },
);
export type AttachmentWithUrl = Static<typeof AttachmentWithUrl>;
