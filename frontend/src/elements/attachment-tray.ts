import { css, html, LitElement, nothing } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { PendingAttachment } from "../controllers/attachment-upload-controller.ts";
import { baseStyles } from "./base-styles.ts";
import { closeIcon, fileIcon, microphoneIcon } from "./icons.ts";

/** The URL the gateway serves an attachment's bytes at, with the session cookie (own origin). */
export function attachmentContentUrl(attachmentId: string): string {
  return `/api/attachments/${encodeURIComponent(attachmentId)}/content`;
}

/**
 * The files waiting in the composer, before the message is sent: a thumbnail of each image, a
 * player of each recording once it is uploaded, an icon and the name of other files, the upload's
 * progress, why it failed, and a button that cancels the upload or removes the file.
 *
 * @fires attachment-remove - The user cancelled or removed a file; detail `{ key }`.
 */
@customElement("attachment-tray")
export class AttachmentTray extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      ul {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        margin: 4px 0 0;
        padding: 0;
        list-style: none;
      }
      li {
        position: relative;
        display: flex;
        align-items: center;
        gap: 8px;
        max-width: 100%;
        padding: 6px 34px 6px 6px;
        border: 1px solid var(--border);
        border-radius: 10px;
        background: var(--surface-muted);
        font-size: 13px;
      }
      li.failed {
        border-color: var(--danger);
      }
      img,
      .icon-box {
        flex: none;
        width: 48px;
        height: 48px;
        border-radius: 6px;
        object-fit: cover;
        background: var(--surface);
      }
      .icon-box {
        display: grid;
        place-items: center;
        color: var(--text-muted);
      }
      .about {
        display: flex;
        flex-direction: column;
        gap: 3px;
        min-width: 0;
      }
      .name {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        max-width: 220px;
      }
      .error {
        color: var(--danger);
      }
      progress {
        width: 140px;
        height: 6px;
        accent-color: var(--accent);
      }
      audio {
        height: 32px;
        max-width: 240px;
      }
      .remove {
        position: absolute;
        top: 4px;
        right: 4px;
        width: 26px;
        height: 26px;
        padding: 0;
        border-radius: 50%;
      }
      .remove:hover {
        background: var(--surface);
      }
    `,
  ];

  @property({ attribute: false }) items: readonly PendingAttachment[] = [];

  override render() {
    if (this.items.length === 0) return nothing;
    return html`<ul aria-label="Files to send">
      ${this.items.map((item) => this._renderItem(item))}
    </ul>`;
  }

  private _renderItem(item: PendingAttachment) {
    const uploading = item.status === "uploading";
    const percent = Math.round(item.progress * 100);
    const label = item.voice ? "Voice message" : item.name;
    return html`<li class=${item.status} data-key=${item.key}>
      ${
        item.previewUrl
          ? html`<img src=${item.previewUrl} alt=${`Preview of ${item.name}`} />`
          : html`<span class="icon-box">${item.voice ? microphoneIcon : fileIcon}</span>`
      }
      <span class="about">
        <span class="name" title=${label}>${label}</span>
        ${
          uploading
            ? html`<progress max="100" .value=${percent} aria-label=${`Uploading ${item.name}`}></progress>
                <span class="status" aria-live="polite">${percent} %</span>`
            : nothing
        }
        ${item.status === "failed" ? html`<span class="error" role="alert">${item.error}</span>` : nothing}
        ${
          item.voice && item.attachment
            ? html`<audio controls preload="metadata" src=${attachmentContentUrl(item.attachment.id)}></audio>`
            : nothing
        }
      </span>
      <button
        class="quiet remove"
        type="button"
        aria-label=${uploading ? `Cancel the upload of ${item.name}` : `Remove ${item.name}`}
        title=${uploading ? "Cancel upload" : "Remove"}
        @click=${() => this._onRemove(item.key)}
      >
        ${closeIcon}
      </button>
    </li>`;
  }

  private _onRemove(key: string): void {
    this.dispatchEvent(
      new CustomEvent("attachment-remove", { detail: { key }, bubbles: true, composed: true }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "attachment-tray": AttachmentTray;
  }
}
