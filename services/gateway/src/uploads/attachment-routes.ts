import { Attachment, AttachmentWithUrl, IdParams } from "@chat/contracts";
import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { SignedIn } from "../auth/signed-in.ts";
import type { RequestContext } from "../http/request-context.ts";
import { apiModels } from "../openai/api-models.ts";
import { contentDisposition } from "./attachment-name.ts";
import { type AttachmentContent, type AttachmentService, isShownInline } from "./attachment-service.ts";

/** The path `POST /api/uploads` is served on; its body is streamed, not parsed (see `requestBodyLimit`). */
export const uploadPath = "/api/uploads";

/**
 * What an attachment's bytes are served with: never a type a browser would run (text is
 * `text/plain`, SVG and HTML are never accepted), `nosniff` (from the security headers), a
 * sandboxing CSP with nothing allowed, and `attachment` for all but images.
 */
function contentHeaders(content: AttachmentContent): Record<string, string> {
  const { attachment } = content;
  return {
    "content-type": attachment.mediaType,
    "content-length": String(attachment.size),
    "content-disposition": contentDisposition(
      isShownInline(attachment) ? "inline" : "attachment",
      attachment.name,
    ),
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, no-store",
  };
}

function answer(content: AttachmentContent, set: { headers: Record<string, string | number> }): Response {
  if ("redirect" in content) {
    return new Response(null, { status: 302, headers: { location: content.redirect } });
  }
  Object.assign(set.headers, contentHeaders(content));
  return new Response(content.body, { headers: contentHeaders(content) });
}

const multipartUpload = {
  content: {
    "multipart/form-data": {
      schema: {
        type: "object" as const,
        required: ["file"],
        properties: { file: { type: "string" as const, format: "binary", description: "The one file" } },
      },
    },
  },
};

const SignedDownloadQuery = Type.Object({
  owner: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" }),
  expires: Type.String({ pattern: "^[0-9]{1,12}$", description: "Seconds since the epoch" }),
  signature: Type.String({ minLength: 1, maxLength: 128 }),
});

/**
 * Uploads (`POST /api/uploads`) and the signed-in user's attachments (`/api/attachments/:id`,
 * its `content` and, for local disk, the signed `download`).
 */
export function attachmentRoutes(dependencies: {
  signedIn: SignedIn;
  requestContext: RequestContext;
  attachments: AttachmentService;
}) {
  const { attachments } = dependencies;
  const errors = { 400: "ErrorBody", 401: "ErrorBody", 404: "ErrorBody" } as const;

  const signedDownloads = new Elysia({ name: "attachment-downloads" })
    .use(apiModels)
    .use(dependencies.requestContext)
    .get(
      "/api/attachments/:id/download",
      async ({ params, query, traceparent, set }) =>
        answer(
          await attachments.signedContent(
            query.owner,
            params.id,
            Number(query.expires),
            query.signature,
            traceparent,
          ),
          set,
        ),
      {
        params: IdParams,
        query: SignedDownloadQuery,
        detail: {
          tags: ["attachments"],
          summary: "An attachment's bytes by a signed URL",
          description:
            "The `url` of GET /api/attachments/{id} when files are on the gateway's disk: works without credentials until `expires`; a wrong, expired or another file's signature answers 404.",
          security: [],
        },
      },
    );

  const owned = new Elysia({ name: "attachment-routes" })
    .use(apiModels)
    .use(dependencies.signedIn)
    .post(
      uploadPath,
      async ({ request, user, traceparent, status }) =>
        status(
          201,
          await attachments.upload(
            user.id,
            request.body ?? new ReadableStream(),
            request.headers.get("content-type") ?? "",
            traceparent,
          ),
        ),
      {
        response: { 201: Attachment, ...errors, 413: "ErrorBody", 415: "ErrorBody" },
        detail: {
          tags: ["attachments"],
          summary: "Upload a file",
          description:
            "`multipart/form-data` with one file part, streamed to storage. The type comes from the bytes, not the name: images (PNG, JPEG, WebP, GIF; re-encoded without metadata), PDF, audio (WebM, Ogg, MP3, WAV, M4A) and UTF-8 text or code files by extension; anything else (SVG, HTML, archives) is 415 UNSUPPORTED_MEDIA_TYPE. Past its type's size limit 413 PAYLOAD_TOO_LARGE; past the user's quota 413 QUOTA_EXCEEDED. The id goes in a message's `attachmentIds`.",
          requestBody: multipartUpload,
        },
      },
    )
    .get(
      "/api/attachments/:id",
      ({ params, user, traceparent }) => attachments.find(user.id, params.id, traceparent),
      {
        params: IdParams,
        response: { 200: AttachmentWithUrl, ...errors },
        detail: {
          tags: ["attachments"],
          summary: "An attachment and a signed download URL",
          description: "Another user's attachment answers 404 ATTACHMENT_NOT_FOUND, as a missing one does.",
        },
      },
    )
    .get(
      "/api/attachments/:id/content",
      async ({ params, user, traceparent, set }) =>
        answer(await attachments.content(user.id, params.id, traceparent), set),
      {
        params: IdParams,
        detail: {
          tags: ["attachments"],
          summary: "An attachment's bytes",
          description:
            "The bytes with `nosniff`, a sandboxing CSP, and `Content-Disposition: attachment` for all but images; with S3 storage a 302 to a signed URL.",
          responses: {
            200: { description: "The file" },
            302: { description: "A signed URL of the file (S3 storage)" },
            401: { description: "Not signed in" },
            404: { description: "No attachment of the user has this id" },
          },
        },
      },
    )
    .delete(
      "/api/attachments/:id",
      async ({ params, user, traceparent, status }) => {
        await attachments.delete(user.id, params.id, traceparent);
        return status(204, undefined);
      },
      {
        params: IdParams,
        response: { 204: Type.Void({ description: "Deleted" }), ...errors },
        detail: { tags: ["attachments"], summary: "Delete an attachment and its file" },
      },
    );

  return new Elysia({ name: "attachments" }).use(signedDownloads).use(owned);
}
