import type { MessageAttachment } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property } from "lit/decorators.js";
import { attachmentContentUrl } from "./attachment-tray.ts";
import { baseStyles } from "./base-styles.ts";
import { fileIcon } from "./icons.ts";

const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${sizeFormat.format(bytes / 1024)} KB`;
  return `${sizeFormat.format(bytes / 1024 / 1024)} MB`;
}

/**
 * The files a message carries, from the app's own origin: images inline (a link opens the whole
 * picture), recordings as players, every other file as a download link with its size.
 */
@customElement("message-attachments")
export class MessageAttachments extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        justify-content: flex-end;
        align-items: flex-end;
        gap: 6px;
        margin-bottom: 6px;
      }
      a {
        display: block;
        max-width: 100%;
      }
      img {
        display: block;
        max-width: 260px;
        max-height: 220px;
        border-radius: 12px;
        border: 1px solid var(--border);
        background: var(--surface-muted);
      }
      audio {
        max-width: 100%;
      }
      a.file {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        padding: 8px 12px;
        border: 1px solid var(--border);
        border-radius: 10px;
        background: var(--surface);
        color: var(--text);
        text-decoration: none;
        font-size: 13px;
      }
      a.file:hover {
        border-color: var(--border-strong);
      }
      .size {
        color: var(--text-muted);
      }
    `,
  ];

  @property({ attribute: false }) attachments: readonly MessageAttachment[] = [];

  override render() {
    if (this.attachments.length === 0) return nothing;
    return this.attachments.map((attachment) => {
      const url = attachmentContentUrl(attachment.id);
      if (attachment.mediaType.startsWith("image/")) {
        return html`<a href=${url} target="_blank" rel="noopener noreferrer" aria-label=${`Open ${attachment.name}`}>
          <img src=${url} alt=${attachment.name} loading="lazy" />
        </a>`;
      }
      if (attachment.mediaType.startsWith("audio/")) {
        return html`<audio controls preload="metadata" src=${url} aria-label=${`Voice message ${attachment.name}`}></audio>`;
      }
      return html`<a class="file" href=${url} download=${attachment.name}>
        ${fileIcon}<span>${attachment.name}</span><span class="size">${sizeOf(attachment.size)}</span>
      </a>`;
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "message-attachments": MessageAttachments;
  }
}
