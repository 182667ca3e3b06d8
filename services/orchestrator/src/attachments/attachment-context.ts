import type { StoreClient } from "@chat/bus";
import {
  type ContextMessage,
  type MessageAttachment,
  ModelImageMediaType,
  type StoredAttachment,
} from "@chat/contracts";
import { attachmentModelImageKey, attachmentTextKey, type ObjectStorage } from "@chat/storage";
import { Value } from "@sinclair/typebox/value";
import type { Logger } from "pino";
import type { ModelImage, ModelMessage } from "../model-provider.ts";
import { type AttachmentTextLimits, cutText, pdfText, plainText } from "./attachment-text.ts";
import { fitImageForModels, type ImageBytes, imageMediaTypeOf } from "./model-image.ts";

/** How much of the attachments one model request carries. */
export type AttachmentContextLimits = AttachmentTextLimits & {
  /** CONTEXT_MAX_IMAGES: the newest images of the conversation that go along; older ones are a note. */
  maxImages: number;
};

type Part = { image: ModelImage } | { text: string };

/** A document's text as the model sees it inside the message that carried it. */
function documentBlock(attachment: Pick<StoredAttachment, "name" | "mediaType">, text: string): string {
  // Names are sanitised at upload (no quotes, no angle brackets), so they sit in an attribute as they are.
  return `<document name="${attachment.name}" type="${attachment.mediaType}">\n${text}\n</document>`;
}

/**
 * Turns the attachments of a conversation into what a model reads: images as their bytes
 * (base64, for models that see them), PDFs and text files as their text inside the message. The
 * files are the user's uploads, found through the store (owner-scoped: another user's id reads as
 * deleted) and read from the object storage. A document's text is extracted once and kept in the
 * storage beside the file, so later turns read the text, not the PDF. Bounded: the newest
 * `maxImages` images, `maxChars` of text per file, `maxPdfPages` pages per PDF.
 *
 * @example
 * const history = await resolver.resolve(request.userId, request.messages, request.traceparent);
 */
export class AttachmentContextResolver {
  constructor(
    private readonly dependencies: {
      store: Pick<StoreClient, "call">;
      storage: ObjectStorage;
      limits: AttachmentContextLimits;
      logger: Logger;
    },
  ) {}

  async resolve(userId: string, messages: ContextMessage[], traceparent: string): Promise<ModelMessage[]> {
    let imagesLeft = this.dependencies.limits.maxImages;
    const takeImage = () => imagesLeft-- > 0;
    const resolved: ModelMessage[] = [];
    // Newest first, so that the image budget goes to the images the question is about.
    for (const message of [...messages].reverse()) {
      const images: ModelImage[] = [];
      const texts: string[] = [];
      for (const image of message.images ?? []) {
        if (!takeImage()) {
          texts.push(this.leftOutNote("An image"));
          continue;
        }
        const bytes = Buffer.from(image.data, "base64");
        const fitted = await fitImageForModels({ bytes, mediaType: image.mediaType });
        if (fitted)
          images.push({ mediaType: fitted.mediaType, data: Buffer.from(fitted.bytes).toString("base64") });
        else texts.push("[An image was attached here; it could not be read.]");
      }
      for (const attachment of message.attachments ?? []) {
        const part = await this.partOf(userId, attachment, takeImage, traceparent);
        if ("image" in part) images.push(part.image);
        else texts.push(part.text);
      }
      resolved.push({
        role: message.role,
        content: [message.content, ...texts].filter(Boolean).join("\n\n"),
        ...(images.length > 0 ? { images } : {}),
      });
    }
    return resolved.reverse();
  }

  private async partOf(
    userId: string,
    attachment: MessageAttachment,
    takeImage: () => boolean,
    traceparent: string,
  ): Promise<Part> {
    const stored = await this.dependencies.store.call(
      "store.find_attachment",
      { userId, attachmentId: attachment.id },
      traceparent,
    );
    if (!stored) return { text: `[The file ${attachment.name} was attached here; it has been deleted.]` };
    switch (stored.kind) {
      case "image": {
        if (!Value.Check(ModelImageMediaType, stored.mediaType)) {
          return { text: `[The image ${stored.name} is of a type models do not read.]` };
        }
        if (!takeImage()) return { text: this.leftOutNote(`The image ${stored.name}`) };
        const image = await this.imageOf(stored, stored.mediaType);
        if (!image) return { text: `[The image ${stored.name} was attached here; it could not be read.]` };
        return {
          image: {
            mediaType: image.mediaType,
            data: Buffer.from(image.bytes).toString("base64"),
            name: stored.name,
          },
        };
      }
      case "pdf":
      case "text":
        return { text: documentBlock(stored, await this.textOf(stored)) };
      case "audio":
        return {
          text: `[The audio file ${stored.name} was attached here; models here do not listen to audio.]`,
        };
    }
  }

  /**
   * The image as models take it: the upload itself when it fits, else the scaled copy cached
   * beside it (made now, the first time). Null when it is gone or does not decode.
   */
  private async imageOf(
    stored: StoredAttachment,
    mediaType: ImageBytes["mediaType"],
  ): Promise<ImageBytes | null> {
    const cacheKey = attachmentModelImageKey(stored.storageKey);
    const cached = await this.read(cacheKey);
    const cachedType = cached ? await imageMediaTypeOf(cached) : null;
    if (cached && cachedType) return { bytes: cached, mediaType: cachedType };
    const bytes = await this.read(stored.storageKey);
    if (!bytes) return null;
    const fitted = await fitImageForModels({ bytes, mediaType });
    if (fitted && fitted.bytes !== bytes) await this.cache(stored, cacheKey, fitted.bytes, fitted.mediaType);
    return fitted;
  }

  /** The document's text: from the cache beside it, else extracted now and cached. */
  private async textOf(stored: StoredAttachment): Promise<string> {
    const { limits } = this.dependencies;
    const cacheKey = attachmentTextKey(stored.storageKey);
    const cached = await this.read(cacheKey);
    // Cut again: the cache may be from a time of a larger limit.
    if (cached) return cutText(new TextDecoder().decode(cached), limits.maxChars);
    const bytes = await this.read(stored.storageKey);
    if (!bytes) return "[The file has been deleted.]";
    const text = stored.kind === "pdf" ? await pdfText(bytes, limits) : plainText(bytes, limits);
    await this.cache(stored, cacheKey, new TextEncoder().encode(text), "text/plain; charset=utf-8");
    return text;
  }

  /** Keeps what a file gave the model beside it; a failure only costs the next turn the work again. */
  private async cache(
    stored: StoredAttachment,
    key: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<void> {
    await this.dependencies.storage
      .put(key, new Blob([new Uint8Array(bytes)]).stream(), { maxBytes: bytes.byteLength, contentType })
      .catch((error: unknown) =>
        this.dependencies.logger.warn(
          { attachmentId: stored.id, errorName: (error as Error).name },
          "caching what a file gave the model failed",
        ),
      );
  }

  private async read(key: string): Promise<Uint8Array | undefined> {
    const body = await this.dependencies.storage.get(key);
    return body ? new Uint8Array(await new Response(body).arrayBuffer()) : undefined;
  }

  private leftOutNote(what: string): string {
    const { maxImages } = this.dependencies.limits;
    return `[${what} was attached here; left out, as a request carries only the ${maxImages} newest images.]`;
  }
}
