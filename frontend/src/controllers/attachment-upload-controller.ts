import type { Attachment, MessageAttachment } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { apiClient } from "../api-client.ts";
import { uploadFile } from "../uploads/upload-file.ts";

/** The most attachments one message may carry (the server's limit). */
export const maximumAttachments = 8;

/** A file on its way to the server, or there and waiting to be sent with the message. */
export type PendingAttachment = {
  /** This page's id of the item (the server's id is `attachment.id` once uploaded). */
  key: string;
  name: string;
  /** The browser's guess of the type, for the preview; the server decides from the bytes. */
  mediaType: string;
  /** A `blob:` URL of an image, for its thumbnail while and after it uploads. */
  previewUrl?: string;
  /** Share of the bytes sent, 0–1. */
  progress: number;
  status: "uploading" | "uploaded" | "failed";
  /** The server's attachment, once uploaded. */
  attachment?: MessageAttachment;
  error?: string;
  /** A recording made here: kept on the message as a voice message. */
  voice: boolean;
};

type Item = PendingAttachment & { abort: AbortController; done: Promise<Attachment | undefined> };

let nextKey = 0;

/**
 * The files a message will carry: each uploads at once (progress as it goes, cancel with an
 * AbortController), the images with a thumbnail from a `blob:` URL. Removing an uploaded one
 * deletes it on the server too. `take()` hands the uploaded attachments to the message and
 * empties the tray.
 *
 * @example
 * uploads.add(input.files);
 * const attachments = uploads.take();
 */
export class AttachmentUploadController implements ReactiveController {
  private items: Item[] = [];
  /** Why the last files could not be added (too many), for the composer to show. */
  notice = "";

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected(): void {
    for (const item of this.items) this.discard(item);
    this.items = [];
  }

  get pending(): readonly PendingAttachment[] {
    return this.items;
  }

  get uploading(): boolean {
    return this.items.some((item) => item.status === "uploading");
  }

  /** Whether a file is uploaded and ready to go with the message (which may then have no text). */
  get hasUploaded(): boolean {
    return this.items.some((item) => item.attachment !== undefined);
  }

  /** Adds files (the picker, a drop, a paste, a recording); past the limit the rest are left out. */
  add(files: Iterable<File>, options: { voice?: boolean } = {}): Array<Promise<Attachment | undefined>> {
    const room = maximumAttachments - this.items.length;
    const all = [...files];
    this.notice = all.length > room ? `A message can carry ${maximumAttachments} files at most.` : "";
    const added = all.slice(0, Math.max(0, room)).map((file) => this.start(file, options.voice ?? false));
    this.host.requestUpdate();
    return added;
  }

  /** Cancels an upload under way, or removes (and deletes on the server) an uploaded file. */
  remove(key: string): void {
    const item = this.items.find((candidate) => candidate.key === key);
    if (!item) return;
    this.items = this.items.filter((candidate) => candidate !== item);
    this.discard(item);
    if (item.attachment) void apiClient.deleteAttachment(item.attachment.id).catch(() => undefined);
    this.host.requestUpdate();
  }

  /** Puts back the attachments of a message the server did not take, as uploaded files. */
  restore(attachments: readonly MessageAttachment[]): void {
    for (const attachment of attachments.slice(0, maximumAttachments - this.items.length)) {
      this.items = [
        ...this.items,
        {
          key: `upload-${++nextKey}`,
          name: attachment.name,
          mediaType: attachment.mediaType,
          progress: 1,
          status: "uploaded",
          voice: attachment.mediaType.startsWith("audio/"),
          attachment,
          abort: new AbortController(),
          done: Promise.resolve(undefined),
        },
      ];
    }
    this.host.requestUpdate();
  }

  /** The uploaded attachments, for the message being sent; the tray is empty afterwards. */
  take(): MessageAttachment[] {
    const taken = this.items.flatMap((item) => (item.attachment ? [item.attachment] : []));
    for (const item of this.items) this.discard(item);
    this.items = [];
    this.notice = "";
    this.host.requestUpdate();
    return taken;
  }

  private start(file: File, voice: boolean): Promise<Attachment | undefined> {
    const abort = new AbortController();
    const item: Item = {
      key: `upload-${++nextKey}`,
      name: file.name || (voice ? "Voice message" : "Pasted file"),
      mediaType: file.type,
      previewUrl: file.type.startsWith("image/") ? URL.createObjectURL(file) : undefined,
      progress: 0,
      status: "uploading",
      voice,
      abort,
      done: Promise.resolve(undefined),
    };
    const update = (change: Partial<PendingAttachment>) => {
      Object.assign(item, change);
      this.items = this.items.map((candidate) => (candidate === item ? item : candidate));
      this.host.requestUpdate();
    };
    item.done = uploadFile(file, {
      signal: abort.signal,
      onProgress: (progress) => update({ progress }),
    }).then(
      (attachment) => {
        const { id, name, mediaType, size } = attachment;
        update({ status: "uploaded", progress: 1, attachment: { id, name, mediaType, size }, name });
        return attachment;
      },
      (error: unknown) => {
        if (abort.signal.aborted) return undefined;
        update({ status: "failed", error: error instanceof Error ? error.message : "The upload failed" });
        return undefined;
      },
    );
    this.items = [...this.items, item];
    return item.done;
  }

  private discard(item: Item): void {
    if (item.status === "uploading") item.abort.abort();
    if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
  }
}
