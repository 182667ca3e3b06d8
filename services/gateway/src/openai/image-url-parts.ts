import type { StoreClient } from "@chat/bus";
import {
  AppError,
  type ChatCompletionImagePart,
  type ChatCompletionRequestMessage,
  type ContextMessage,
  type InlineImage,
  MAX_ATTACHMENTS_PER_MESSAGE,
  type MessageAttachment,
  ModelImageMediaType,
} from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { fileTypeFromBuffer } from "file-type";
import { imageErrorFor, reencodeImage } from "../uploads/image-sanitizer.ts";

/** Who sends the completion, and the host the request came to (its attachment URLs are ours). */
export type ImageUrlCaller = { userId: string; host: string | null; traceparent: string };

const dataUrlPattern = /^data:[^,;]*;base64,([A-Za-z0-9+/]*={0,2})$/;
const attachmentPathPattern = /^\/api\/attachments\/([A-Za-z0-9_-]{1,64})(?:\/(?:content|download))?$/;

/** The text of a message: its string, or its text parts joined with newlines. */
export function textOf(message: ChatCompletionRequestMessage): string {
  if (typeof message.content === "string") return message.content;
  return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
}

function invalid(path: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", "The request is invalid", {
    retryable: false,
    details: [{ path, message }],
  });
}

/**
 * The `/v1` request's messages as model context: `developer` counts as `system`, text parts are
 * joined, and image parts become images. A `data:` URL's bytes are checked and re-encoded as an
 * upload's are (type from the bytes, a PNG that is really HTML refused, metadata stripped, at most
 * `maxImageBytes`); an attachment URL of this server (`/api/attachments/{id}` with `/content` or
 * `/download`, relative or on the request's own host) must name an image of the caller's (else 404
 * ATTACHMENT_NOT_FOUND, as for any other user's). Any other URL is refused, never fetched: a
 * request must not make this server reach into its network (SSRF).
 *
 * @example
 * const messages = await imageUrls.toContextMessages(body.messages, { userId, host, traceparent });
 */
export class ImageUrlParts {
  constructor(
    private readonly dependencies: {
      store: Pick<StoreClient, "call">;
      /** UPLOAD_IMAGE_MAX_BYTES: the largest image, as for uploads. */
      maxImageBytes: number;
    },
  ) {}

  async toContextMessages(
    messages: ChatCompletionRequestMessage[],
    caller: ImageUrlCaller,
  ): Promise<ContextMessage[]> {
    const context: ContextMessage[] = [];
    for (const [index, message] of messages.entries()) {
      const role = message.role === "developer" ? "system" : message.role;
      if (typeof message.content === "string") {
        context.push({ role, content: message.content });
        continue;
      }
      const images: InlineImage[] = [];
      const attachments: MessageAttachment[] = [];
      for (const [partIndex, part] of message.content.entries()) {
        if (part.type === "text") continue;
        const path = `/messages/${index}/content/${partIndex}/image_url/url`;
        if (role !== "user") throw invalid(path, "only user messages carry images");
        if (images.length + attachments.length >= MAX_ATTACHMENTS_PER_MESSAGE) {
          throw invalid(path, `a message carries at most ${MAX_ATTACHMENTS_PER_MESSAGE} images`);
        }
        const image = await this.imageOf(part, path, caller);
        if ("data" in image) images.push(image);
        else attachments.push(image);
      }
      context.push({
        role,
        content: textOf(message),
        ...(images.length > 0 ? { images } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
      });
    }
    return context;
  }

  private async imageOf(
    part: ChatCompletionImagePart,
    path: string,
    caller: ImageUrlCaller,
  ): Promise<InlineImage | MessageAttachment> {
    const url = part.image_url.url;
    const inline = dataUrlPattern.exec(url);
    if (inline) return this.inlineImage(Buffer.from(inline[1] ?? "", "base64"), path);
    if (url.startsWith("data:")) throw invalid(path, "a data URL must be base64 (data:image/png;base64,...)");
    const attachmentId = this.attachmentIdOf(url, caller.host);
    if (!attachmentId) {
      throw invalid(
        path,
        "image URLs are not fetched: send a data: URL, or upload the image (POST /api/uploads) and send /api/attachments/{id}/content",
      );
    }
    const stored = await this.dependencies.store.call(
      "store.find_attachment",
      { userId: caller.userId, attachmentId },
      caller.traceparent,
    );
    if (!stored) throw new AppError("ATTACHMENT_NOT_FOUND", "Attachment not found", { retryable: false });
    if (stored.kind !== "image") throw invalid(path, "the attachment is not an image");
    return { id: stored.id, name: stored.name, mediaType: stored.mediaType, size: stored.size };
  }

  /** The attachment id of one of this server's attachment URLs; null for any other URL. */
  private attachmentIdOf(url: string, host: string | null): string | null {
    let parsed: URL;
    try {
      // A relative URL resolves against a base that no request can name, so only its path counts.
      parsed = new URL(url, "http://relative.invalid");
    } catch {
      return null;
    }
    const relative = parsed.host === "relative.invalid" && url.startsWith("/") && !url.startsWith("//");
    const ownHost = (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host === host;
    if (!relative && !ownHost) return null;
    return attachmentPathPattern.exec(parsed.pathname)?.[1] ?? null;
  }

  private async inlineImage(bytes: Buffer, path: string): Promise<InlineImage> {
    const { maxImageBytes } = this.dependencies;
    if (bytes.byteLength === 0) throw invalid(path, "the data URL holds no bytes");
    if (bytes.byteLength > maxImageBytes) {
      throw new AppError("PAYLOAD_TOO_LARGE", `An image may have at most ${maxImageBytes} bytes`, {
        retryable: false,
      });
    }
    const mediaType = (await fileTypeFromBuffer(bytes))?.mime;
    if (!Value.Check(ModelImageMediaType, mediaType)) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "An image must be a PNG, JPEG, WebP or GIF", {
        retryable: false,
      });
    }
    try {
      const clean = await new Response(
        reencodeImage(new Response(new Uint8Array(bytes)).body as ReadableStream<Uint8Array>, mediaType),
      ).arrayBuffer();
      return { mediaType, data: Buffer.from(clean).toString("base64") };
    } catch (error) {
      throw imageErrorFor(error);
    }
  }
}
