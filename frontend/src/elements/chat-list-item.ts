import type { Chat } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { routePath } from "../app-route.ts";
import { isPlainLeftClick } from "../plain-left-click.ts";
import { baseStyles } from "./base-styles.ts";
import { pencilIcon, trashIcon } from "./icons.ts";

const maximumTitleLength = 200;

/**
 * One chat in the sidebar: a link to it, and rename and delete buttons (shown on hover and
 * focus, always on touch screens). Rename happens in place: Enter or leaving the field saves,
 * Escape cancels; F2 on the link starts it.
 *
 * @fires chat-select - The chat was picked; detail `{ chatId }`.
 * @fires chat-rename - A new title was entered; detail `{ chatId, title }`.
 * @fires chat-delete - The user asked to delete the chat (the list confirms); detail `{ chatId }`.
 */
@customElement("chat-list-item")
export class ChatListItem extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      .item {
        position: relative;
        display: flex;
        align-items: center;
        border-radius: 8px;
      }
      .item:hover {
        background: var(--surface-sunken);
      }
      :host([selected]) .item {
        background: var(--accent-soft);
      }
      a {
        flex: 1;
        min-width: 0;
        display: block;
        padding: 8px 10px;
        border-radius: 8px;
        color: inherit;
        text-decoration: none;
        font-size: 14px;
        line-height: 1.35;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      :host([selected]) a {
        color: var(--accent-soft-text);
        font-weight: 600;
      }
      a:focus-visible {
        outline-offset: -2px;
      }
      .title,
      .marks {
        display: block;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .marks {
        color: var(--text-muted);
        font-size: 12px;
        font-weight: 400;
      }
      .assisted {
        color: var(--accent);
        font-weight: 600;
      }
      .actions {
        display: none;
        flex: none;
        padding-right: 4px;
      }
      .item:hover .actions,
      .item:focus-within .actions,
      :host([selected]) .actions {
        display: flex;
      }
      @media (hover: none) {
        .actions {
          display: flex;
        }
      }
      .actions button {
        width: 28px;
        height: 28px;
      }
      .actions svg {
        width: 15px;
        height: 15px;
      }
      input {
        flex: 1;
        min-width: 0;
        margin: 2px;
        padding: 6px 8px;
        font: inherit;
        font-size: 14px;
        color: var(--text);
        background: var(--surface);
        border: 1px solid var(--accent);
        border-radius: 6px;
      }
      input:focus-visible {
        outline: 2px solid var(--focus);
        outline-offset: 0;
      }
    `,
  ];

  @property({ attribute: false }) chat?: Chat;
  @property({ type: Boolean, reflect: true }) selected = false;

  @state() private _renaming = false;
  @query("input") private _input?: HTMLInputElement;
  @query("a") private _link?: HTMLAnchorElement;

  /** Starts renaming in place. */
  rename(): void {
    this._renaming = true;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("_renaming" as keyof ChatListItem) && this._renaming) {
      this._input?.focus();
      this._input?.select();
    }
  }

  override render() {
    const chat = this.chat;
    if (!chat) return nothing;
    const title = chat.title || "Untitled chat";
    return html`<div class="item">
      ${
        this._renaming
          ? html`<input
              aria-label="Chat title"
              maxlength=${maximumTitleLength}
              .value=${chat.title}
              @keydown=${this._onInputKeyDown}
              @blur=${this._onInputBlur}
            />`
          : html`<a
              href=${routePath({ kind: "chat", chatId: chat.id })}
              aria-current=${this.selected ? "page" : "false"}
              title=${title}
              @click=${this._onLinkClick}
              @keydown=${this._onLinkKeyDown}
              @dblclick=${this._onRenameClick}
              ><span class="title">${title}</span>${this._renderMarks(chat)}</a
            >
            <div class="actions">
              <button class="icon" type="button" aria-label="Rename ${title}" title="Rename" @click=${this._onRenameClick}>
                ${pencilIcon}
              </button>
              <button class="icon" type="button" aria-label="Delete ${title}" title="Delete" @click=${this._onDeleteClick}>
                ${trashIcon}
              </button>
            </div>`
      }
    </div>`;
  }

  /** The chat's message count and whether a person helped in it. */
  private _renderMarks(chat: Chat) {
    if (chat.messageCount === undefined && !chat.assisted) return nothing;
    const count = chat.messageCount ?? 0;
    return html`<span class="marks"
      >${count} ${count === 1 ? "message" : "messages"}${
        chat.assisted
          ? html` · <span class="assisted" title="A person helped in this chat">Assisted</span>`
          : nothing
      }</span
    >`;
  }

  private _onLinkClick(event: MouseEvent): void {
    if (!isPlainLeftClick(event)) return;
    event.preventDefault();
    this._fire("chat-select", { chatId: this.chat?.id });
  }

  private _onLinkKeyDown(event: KeyboardEvent): void {
    if (event.key === "F2") {
      event.preventDefault();
      this.rename();
    }
  }

  private _onRenameClick(event: Event): void {
    event.preventDefault();
    this.rename();
  }

  private _onDeleteClick(): void {
    this._fire("chat-delete", { chatId: this.chat?.id });
  }

  private _onInputKeyDown(event: KeyboardEvent): void {
    if (event.key === "Enter") {
      event.preventDefault();
      void this._finishRename(true, true);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      void this._finishRename(false, true);
    }
  }

  private _onInputBlur(): void {
    if (this._renaming) void this._finishRename(true, false);
  }

  /** Ends renaming; `refocus` (a key ended it) puts the focus back on the link. */
  private async _finishRename(save: boolean, refocus: boolean): Promise<void> {
    const title = this._input?.value.replace(/\s+/g, " ").trim() ?? "";
    this._renaming = false;
    if (save && title && this.chat && title !== this.chat.title) {
      this._fire("chat-rename", { chatId: this.chat.id, title });
    }
    if (!refocus) return;
    await this.updateComplete;
    this._link?.focus();
  }

  private _fire(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-list-item": ChatListItem;
  }
}
