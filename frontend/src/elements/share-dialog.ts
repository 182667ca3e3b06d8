import type { ShareSummary } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { ApiError, apiClient } from "../api-client.ts";
import { baseStyles } from "./base-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";
import { shareIcon } from "./icons.ts";

const linkDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * The chat's Share button and its dialog: make a read-only link of the chat as it is now, copy
 * it, and see and revoke the chat's earlier links. A link shows the messages only, never the
 * account; later messages need a new link.
 */
@customElement("share-dialog")
export class ShareDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      :host {
        --dialog-width: 480px;
      }
      h2 {
        margin: 0 0 8px;
        font-size: 17px;
        font-weight: 650;
      }
      p {
        margin: 0 0 14px;
        color: var(--text-muted);
        font-size: 14px;
      }
      ul {
        list-style: none;
        margin: 0 0 16px;
        padding: 0;
        display: grid;
        gap: 8px;
      }
      li {
        display: flex;
        gap: 8px;
        align-items: center;
        min-width: 0;
      }
      li input {
        flex: 1;
        min-width: 0;
        font: inherit;
        font-size: 13px;
        padding: 6px 8px;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface-muted);
        color: var(--text);
      }
      .error {
        color: var(--danger);
      }
    `,
  ];

  /** The chat the links are of. */
  @property({ attribute: "chat-id" }) chatId = "";

  @state() private _links: ShareSummary[] = [];
  @state() private _busy = false;
  @state() private _error = "";
  @state() private _copiedId = "";
  @query("dialog") private _dialog!: HTMLDialogElement;

  override render() {
    return html`
      <button class="quiet" type="button" aria-haspopup="dialog" aria-label="Share" @click=${this._open}>
        ${shareIcon}<span class="wide-only">Share</span>
      </button>
      <dialog aria-labelledby="share-title" @close=${this._onClose}>
        <h2 id="share-title">Share this chat</h2>
        <p>
          Anyone with a link can read the chat as it was when the link was made, without an account.
          Your name and email are not shown. Revoke a link to stop it working.
        </p>
        ${
          this._links.length > 0
            ? html`<ul aria-label="Links to this chat">
              ${this._links.map((link) => this._renderLink(link))}
            </ul>`
            : nothing
        }
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
        <div class="actions">
          <button class="ghost" type="button" @click=${this._closeDialog}>Close</button>
          <button class="primary" type="button" ?disabled=${this._busy} @click=${this._create}>
            ${this._links.length > 0 ? "New link" : "Create link"}
          </button>
        </div>
      </dialog>
    `;
  }

  private _renderLink(link: ShareSummary) {
    const url = new URL(link.path, window.location.origin).href;
    return html`<li>
      <input
        readonly
        .value=${url}
        aria-label=${`Link made ${linkDate.format(new Date(link.createdAt))}`}
        @focus=${(event: FocusEvent) => (event.target as HTMLInputElement).select()}
      />
      <button class="quiet" type="button" @click=${() => this._copy(link, url)}>
        ${this._copiedId === link.id ? "Copied" : "Copy"}
      </button>
      <button class="quiet" type="button" ?disabled=${this._busy} @click=${() => this._revoke(link)}>Revoke</button>
    </li>`;
  }

  private async _open(): Promise<void> {
    this._error = "";
    this._dialog.showModal();
    await this._run(async () => {
      const { shares } = await apiClient.listShares();
      const listed = shares.filter((share) => share.chatId === this.chatId);
      const known = new Set(listed.map((share) => share.id));
      // A link made while the list was on its way stays.
      this._links = [...this._links.filter((link) => !known.has(link.id)), ...listed];
    }, "The links could not be loaded.");
  }

  private async _create(): Promise<void> {
    await this._run(async () => {
      const link = await apiClient.createShare(this.chatId);
      this._links = [link, ...this._links];
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>("li input")?.focus();
    }, "The link could not be made.");
  }

  private async _revoke(link: ShareSummary): Promise<void> {
    await this._run(async () => {
      await apiClient.revokeShare(link.id);
      this._links = this._links.filter((kept) => kept.id !== link.id);
    }, "The link could not be revoked.");
  }

  private async _copy(link: ShareSummary, url: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(url);
      this._copiedId = link.id;
    } catch {
      this._error = "Copying was not allowed: select the link and copy it.";
    }
  }

  private async _run(action: () => Promise<void>, fallback: string): Promise<void> {
    this._busy = true;
    this._error = "";
    try {
      await action();
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : fallback;
    } finally {
      this._busy = false;
    }
  }

  private _closeDialog(): void {
    this._dialog.close();
  }

  private _onClose(): void {
    this._copiedId = "";
  }
}
