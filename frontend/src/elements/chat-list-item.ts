import type { Chat } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { routePath } from "../app-route.ts";
import { isPlainLeftClick } from "../plain-left-click.ts";
import { baseStyles } from "./base-styles.ts";
import { moreIcon, pencilIcon, trashIcon } from "./icons.ts";

const maximumTitleLength = 200;

/**
 * One chat in the sidebar: a link to it, and rename, delete and more buttons (shown on hover and
 * focus, always on touch screens). Rename happens in place: Enter or leaving the field saves,
 * Escape cancels; F2 on the link starts it. "More" opens the chat's menu (Pin, Archive, Move to
 * project…), worked with the arrow keys; Escape closes it and gives the focus back to its button.
 *
 * @fires chat-select - The chat was picked; detail `{ chatId }`.
 * @fires chat-rename - A new title was entered; detail `{ chatId, title }`.
 * @fires chat-delete - The user asked to delete the chat (the list confirms); detail `{ chatId }`.
 * @fires chat-place - Pin, unpin, archive or unarchive; detail `{ chatId, placement: { pinned } | { archived } }`.
 * @fires chat-move - "Move to project…" was picked; detail `{ chatId }`.
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
      .item.menu-open .actions,
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
      [role="menu"] {
        display: grid;
        margin: 2px 6px 6px 16px;
        padding: 4px;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        box-shadow: var(--shadow-raised);
      }
      [role="menuitem"] {
        justify-content: flex-start;
        padding: 6px 10px;
        border: 0;
        border-radius: 6px;
        background: none;
        color: var(--text);
        font: inherit;
        font-size: 14px;
        text-align: left;
      }
      [role="menuitem"]:hover,
      [role="menuitem"]:focus-visible {
        background: var(--surface-sunken);
      }
    `,
  ];

  @property({ attribute: false }) chat?: Chat;
  @property({ type: Boolean, reflect: true }) selected = false;

  @state() private _renaming = false;
  @state() private _menuOpen = false;
  @query("input") private _input?: HTMLInputElement;
  @query("a") private _link?: HTMLAnchorElement;

  /** Puts the focus on the chat's link. */
  focusLink(): void {
    this._link?.focus();
  }

  /** Starts renaming in place. */
  rename(): void {
    this._renaming = true;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("_renaming" as keyof ChatListItem) && this._renaming) {
      this._input?.focus();
      this._input?.select();
    }
    if (changed.has("_menuOpen" as keyof ChatListItem) && this._menuOpen) this._menuItems()[0]?.focus();
  }

  override render() {
    const chat = this.chat;
    if (!chat) return nothing;
    const title = chat.title || "Untitled chat";
    return html`<div class="item ${this._menuOpen ? "menu-open" : ""}">
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
              <button
                class="icon more"
                type="button"
                aria-label="More for ${title}"
                title="More"
                aria-haspopup="menu"
                aria-expanded=${this._menuOpen ? "true" : "false"}
                @click=${this._onMoreClick}
              >
                ${moreIcon}
              </button>
            </div>`
      }
    </div>
    ${this._menuOpen ? this._renderMenu(chat, title) : nothing}`;
  }

  private _renderMenu(chat: Chat, title: string) {
    const item = (label: string, choose: () => void) =>
      html`<button role="menuitem" type="button" tabindex="-1" @click=${() => this._choose(choose)}>${label}</button>`;
    return html`<div role="menu" aria-label="Actions for ${title}" @keydown=${this._onMenuKeyDown} @focusout=${this._onMenuFocusOut}>
      ${
        chat.archived
          ? nothing
          : item(chat.pinned ? "Unpin" : "Pin", () =>
              this._fire("chat-place", { chatId: chat.id, placement: { pinned: !chat.pinned } }),
            )
      }
      ${item(chat.archived ? "Unarchive" : "Archive", () =>
        this._fire("chat-place", { chatId: chat.id, placement: { archived: !chat.archived } }),
      )}
      ${item("Move to project…", () => this._fire("chat-move", { chatId: chat.id }))}
    </div>`;
  }

  private _menuItems(): HTMLButtonElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
  }

  /** Closes the menu, gives the focus back to its button, then does what was chosen. */
  private async _choose(choose: () => void): Promise<void> {
    await this._closeMenu(true);
    choose();
  }

  /** Closes the menu; `refocus` first gives the focus back to its button, still shown while the menu is. */
  private async _closeMenu(refocus: boolean): Promise<void> {
    if (refocus) this.renderRoot.querySelector<HTMLButtonElement>("button.more")?.focus();
    this._menuOpen = false;
    await this.updateComplete;
  }

  private _onMoreClick(): void {
    if (this._menuOpen) void this._closeMenu(true);
    else this._menuOpen = true;
  }

  private _onMenuKeyDown(event: KeyboardEvent): void {
    const items = this._menuItems();
    const current = items.indexOf(this.shadowRoot?.activeElement as HTMLButtonElement);
    const focusAt = (index: number) => items[(index + items.length) % items.length]?.focus();
    if (event.key === "ArrowDown") focusAt(current + 1);
    else if (event.key === "ArrowUp") focusAt(current - 1);
    else if (event.key === "Home") focusAt(0);
    else if (event.key === "End") focusAt(items.length - 1);
    else if (event.key === "Escape") {
      event.stopPropagation();
      void this._closeMenu(true);
    } else return;
    event.preventDefault();
  }

  private _onMenuFocusOut(event: FocusEvent): void {
    const next = event.relatedTarget as Node | null;
    if (!next || !this.renderRoot.contains(next)) void this._closeMenu(false);
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
