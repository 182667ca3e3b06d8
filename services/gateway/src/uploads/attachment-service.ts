import type { StoreClient } from "@chat/bus";
import {
  AppError,
  type Attachment,
  type AttachmentWithUrl,
  type MessageAttachment,
  type StoredAttachment,
} from "@chat/contracts";
import { attachmentObjectKeys, ByteLimit, type DownloadUrlSigner, type ObjectStorage } from "@chat/storage";
import { contentDisposition, sanitizeAttachmentName } from "./attachment-name.ts";
import { type FileKind, fileKindOf, sniffedBytes } from "./file-kind.ts";
import { imageErrorFor, reencodeImage } from "./image-sanitizer.ts";
import { readMultipartFile } from "./multipart-file.ts";
import { peekBytes } from "./node-streams.ts";
import { Utf8TextCheck } from "./utf8-text-check.ts";

/** The upload limits (README's Uploads section). */
export type UploadLimits = {
  /** UPLOAD_MAX_BYTES: the largest PDF or audio file, and the bound of every upload's body. */
  maxBytes: number;
  /** UPLOAD_IMAGE_MAX_BYTES: the largest image. */
  imageMaxBytes: number;
  /** UPLOAD_TEXT_MAX_BYTES: the largest text or code file. */
  textMaxBytes: number;
  /** UPLOAD_QUOTA_BYTES: what one user's attachments may hold together. */
  quotaBytes: number;
  /** UPLOAD_URL_TTL_SECONDS: how long a signed download URL works. */
  urlTtlSeconds: number;
  /** UPLOAD_TIMEOUT_MS: the whole upload must have arrived within this (else 408), however it trickles. */
  timeoutMs: number;
};

/** The bytes of an attachment, or where to get them. */
export type AttachmentContent =
  | { attachment: StoredAttachment; body: ReadableStream<Uint8Array> }
  | { attachment: StoredAttachment; redirect: string };

export type AttachmentServiceDependencies = {
  store: Pick<StoreClient, "call">;
  storage: ObjectStorage;
  /** Checks the gateway's own signed download URLs (local disk). */
  signer: DownloadUrlSigner;
  limits: UploadLimits;
  /** True when the storage has URLs of its own (S3): content is a redirect to a signed one. */
  redirectToStorage: boolean;
  newId: () => string;
};

function attachmentNotFound(): never {
  throw new AppError("ATTACHMENT_NOT_FOUND", "Attachment not found", { retryable: false });
}

function quotaExceeded(limits: UploadLimits): AppError {
  return new AppError("QUOTA_EXCEEDED", `Your files may hold ${limits.quotaBytes} bytes together`, {
    retryable: false,
  });
}

/** The owner's view of a stored attachment. */
export function toAttachment(stored: StoredAttachment): Attachment {
  return {
    id: stored.id,
    name: stored.name,
    kind: stored.kind,
    mediaType: stored.mediaType,
    size: stored.size,
    chatId: stored.chatId,
    createdAt: stored.createdAt,
  };
}

/** Whether a browser may show the attachment in place; everything else downloads. */
export function isShownInline(attachment: Pick<StoredAttachment, "kind">): boolean {
  return attachment.kind === "image";
}

/**
 * Uploads, reads and deletes the signed-in user's attachments. Every lookup names the owner, so
 * another user's id is ATTACHMENT_NOT_FOUND (404), as a missing one is.
 *
 * @example
 * const attachment = await attachments.upload(user.id, request.body, contentType, traceparent);
 */
export class AttachmentService {
  constructor(private readonly dependencies: AttachmentServiceDependencies) {}

  /**
   * Streams the one file of a multipart body into the storage: its type from its first bytes
   * (the allow-list), its size bounded by its type's limit and what is left of the quota, an image
   * re-encoded without metadata, a text checked to be UTF-8 throughout. Nothing is kept when any
   * of it fails or the body is cut off.
   */
  async upload(
    userId: string,
    body: ReadableStream<Uint8Array>,
    contentType: string,
    traceparent: string,
  ): Promise<Attachment> {
    const { store, storage, limits } = this.dependencies;
    const { usedBytes } = await store.call("store.attachment_usage", { userId }, traceparent);
    if (usedBytes >= limits.quotaBytes) throw quotaExceeded(limits);
    const file = await readMultipartFile(body, contentType);
    const timeout = new AppError(
      "REQUEST_TIMEOUT",
      `The upload did not arrive within ${limits.timeoutMs} ms`,
      { retryable: true },
    );
    // Erroring the body makes the storage drop what it wrote, as for a cut connection.
    const timer = setTimeout(() => file.close(timeout), limits.timeoutMs);
    try {
      const name = sanitizeAttachmentName(file.filename);
      const received = file.body.pipeThrough(new ByteLimit(limits.maxBytes));
      const { head, whole } = await peekBytes(received, sniffedBytes);
      const kind = await fileKindOf(head, name).catch(async (error: unknown) => {
        await whole.cancel().catch(() => undefined);
        throw error;
      });
      const typeLimit = this.limitFor(kind);
      const remaining = limits.quotaBytes - usedBytes;
      const id = this.dependencies.newId();
      const key = `${userId}/${id}`;
      const shownInline = kind.kind === "image";
      const stored = await storage
        .put(key, this.prepare(whole.pipeThrough(new ByteLimit(typeLimit)), kind), {
          maxBytes: Math.min(typeLimit, remaining),
          contentType: kind.mediaType,
          contentDisposition: contentDisposition(shownInline ? "inline" : "attachment", name),
        })
        .catch((error: unknown) => {
          const cause = imageErrorFor(error);
          if (AppError.isInstance(cause) && cause.code === "PAYLOAD_TOO_LARGE" && remaining < typeLimit) {
            throw quotaExceeded(limits);
          }
          throw cause;
        });
      const attachment: StoredAttachment = {
        id,
        userId,
        chatId: null,
        name,
        kind: kind.kind,
        mediaType: kind.mediaType,
        size: stored.size,
        storageKey: key,
        createdAt: new Date().toISOString(),
      };
      let created = false;
      try {
        created = (
          await store.call(
            "store.create_attachment",
            { attachment, quotaBytes: limits.quotaBytes },
            traceparent,
          )
        ).created;
      } finally {
        if (!created) await storage.delete(key).catch(() => undefined);
      }
      if (!created) throw quotaExceeded(limits);
      return toAttachment(attachment);
    } catch (error) {
      throw timeout === error || (error instanceof Error && error.cause === timeout) ? timeout : error;
    } finally {
      clearTimeout(timer);
      file.close();
    }
  }

  /** The user's attachment and a signed download URL of it. */
  async find(userId: string, attachmentId: string, traceparent: string): Promise<AttachmentWithUrl> {
    const stored = await this.owned(userId, attachmentId, traceparent);
    const expiresInSeconds = this.dependencies.limits.urlTtlSeconds;
    const url = await this.dependencies.storage.signedUrl(stored.storageKey, { expiresInSeconds });
    return {
      ...toAttachment(stored),
      url,
      urlExpiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
    };
  }

  /**
   * The user's attachment's bytes, or (S3) a redirect to a signed URL of a file that is only ever
   * downloaded. Images and audio come from the gateway itself even on S3: the web app shows them
   * inline, and its CSP loads media from its own origin only.
   */
  async content(userId: string, attachmentId: string, traceparent: string): Promise<AttachmentContent> {
    const stored = await this.owned(userId, attachmentId, traceparent);
    const shownInline = stored.kind === "image" || stored.kind === "audio";
    if (this.dependencies.redirectToStorage && !shownInline) {
      const expiresInSeconds = this.dependencies.limits.urlTtlSeconds;
      return {
        attachment: stored,
        redirect: await this.dependencies.storage.signedUrl(stored.storageKey, { expiresInSeconds }),
      };
    }
    return { attachment: stored, body: await this.bytesOf(stored) };
  }

  /**
   * The bytes for a signed download URL of the gateway's own (local disk): `owner`, `expires` and
   * `signature` must be what `signedUrl` made, else ATTACHMENT_NOT_FOUND, as for a missing one.
   */
  async signedContent(
    owner: string,
    attachmentId: string,
    expires: number,
    signature: string,
    traceparent: string,
  ): Promise<AttachmentContent> {
    if (!this.dependencies.signer.verify(`${owner}/${attachmentId}`, expires, signature))
      attachmentNotFound();
    const stored = await this.owned(owner, attachmentId, traceparent);
    return { attachment: stored, body: await this.bytesOf(stored) };
  }

  /**
   * The user's audio attachment and its bytes, read from the storage whatever its kind of URLs
   * (for transcription): another user's or a missing id is ATTACHMENT_NOT_FOUND, another kind of
   * file UNSUPPORTED_MEDIA_TYPE.
   */
  async audio(
    userId: string,
    attachmentId: string,
    traceparent: string,
  ): Promise<{ attachment: StoredAttachment; body: ReadableStream<Uint8Array> }> {
    const stored = await this.owned(userId, attachmentId, traceparent);
    if (stored.kind !== "audio") {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Only an audio attachment can be transcribed", {
        retryable: false,
      });
    }
    return { attachment: stored, body: await this.bytesOf(stored) };
  }

  /**
   * The attachments a message of `userId` in `chatId` carries, in the order given: each must be
   * the user's (else ATTACHMENT_NOT_FOUND, 404) and not sent in another chat yet (else
   * VALIDATION_FAILED naming it). The store attaches them to the chat with the message.
   */
  async forMessage(
    userId: string,
    chatId: string,
    ids: string[],
    traceparent: string,
  ): Promise<MessageAttachment[]> {
    const found = await Promise.all(ids.map((id) => this.owned(userId, id, traceparent)));
    return found.map((stored, index) => {
      if (stored.chatId !== null && stored.chatId !== chatId) {
        throw new AppError("VALIDATION_FAILED", "An attachment was sent in another chat already", {
          retryable: false,
          details: [
            { path: `/attachmentIds/${index}`, message: "was sent in another chat; upload it again" },
          ],
        });
      }
      return { id: stored.id, name: stored.name, mediaType: stored.mediaType, size: stored.size };
    });
  }

  /** Deletes the user's attachment: the object first, then the row, so a retry finishes a cut delete. */
  async delete(userId: string, attachmentId: string, traceparent: string): Promise<void> {
    const stored = await this.owned(userId, attachmentId, traceparent);
    for (const key of attachmentObjectKeys(stored.storageKey)) await this.dependencies.storage.delete(key);
    await this.dependencies.store.call("store.delete_attachment", { userId, attachmentId }, traceparent);
  }

  private async owned(userId: string, attachmentId: string, traceparent: string): Promise<StoredAttachment> {
    const stored = await this.dependencies.store.call(
      "store.find_attachment",
      { userId, attachmentId },
      traceparent,
    );
    return stored ?? attachmentNotFound();
  }

  private async bytesOf(stored: StoredAttachment): Promise<ReadableStream<Uint8Array>> {
    return (await this.dependencies.storage.get(stored.storageKey)) ?? attachmentNotFound();
  }

  private limitFor(kind: FileKind): number {
    const { limits } = this.dependencies;
    if (kind.kind === "image") return Math.min(limits.imageMaxBytes, limits.maxBytes);
    if (kind.kind === "text") return Math.min(limits.textMaxBytes, limits.maxBytes);
    return limits.maxBytes;
  }

  private prepare(body: ReadableStream<Uint8Array>, kind: FileKind): ReadableStream<Uint8Array> {
    if (kind.kind === "image") return reencodeImage(body, kind.mediaType);
    if (kind.kind === "text") return body.pipeThrough(new Utf8TextCheck());
    return body;
  }
}
