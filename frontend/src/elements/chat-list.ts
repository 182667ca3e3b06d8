import type { Chat } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { baseStyles } from "./base-styles.ts";

const relativeTime = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });
const calendarDate = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

function whenActive(timestamp: string, now: number): string {
  const elapsedMinutes = Math.round((now - Date.parse(timestamp)) / 60_000);
  if (Number.isNaN(elapsedMinutes)) return "";
  if (elapsedMinutes < 1) return "now";
  if (elapsedMinutes < 60) return relativeTime.format(-elapsedMinutes, "minute");
  if (elapsedMinutes < 24 * 60) return relativeTime.format(-Math.round(elapsedMinutes / 60), "hour");
  return calendarDate.format(new Date(timestamp));
}

/**
 * The user's chats, newest first, with a button for a new one.
 *
 * @fires chat-select - A chat was picked; detail `{ chatId }`.
 * @fires chat-create - The user asked for a new chat.
 * @fires chats-more - The user asked for the next page of chats.
 */
@customElement("chat-list")
export class ChatList extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
      }
      .top {
        padding: 12px;
      }
      .top button {
        width: 100%;
      }
      nav {
        flex: 1;
        overflow-y: auto;
        padding: 0 8px 12px;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      a {
        display: flex;
        align-items: baseline;
        gap: 8px;
        padding: 9px 10px;
        border-radius: 8px;
        color: inherit;
        text-decoration: none;
        font-size: 14px;
      }
      a:hover {
        background: var(--surface-sunken);
      }
      a:focus-visible {
        outline: none;
        box-shadow: var(--focus-ring);
      }
      a[aria-current="page"] {
        background: var(--accent-soft);
        color: var(--accent-strong);
        font-weight: 550;
      }
      .title {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      time {
        flex: none;
        font-size: 12px;
        color: var(--text-muted);
        font-weight: 400;
      }
      .empty,
      .error {
        padding: 12px 10px;
        font-size: 14px;
        color: var(--text-muted);
      }
      .error {
        color: var(--danger);
      }
      .more {
        width: 100%;
        margin-top: 8px;
      }
    `,
  ];

  @property({ attribute: false }) chats: Chat[] = [];
  @property({ attribute: "selected-id" }) selectedId?: string;
  @property({ type: Boolean }) loading = false;
  @property({ type: Boolean, attribute: "has-more" }) hasMore = false;
  @property({ type: Boolean }) creating = false;
  @property() error?: string;

  override render() {
    const now = Date.now();
    return html`
      <div class="top">
        <button class="primary" type="button" ?disabled=${this.creating} @click=${this._onCreateClick}>
          ${this.creating ? "Creating…" : "+ New chat"}
        </button>
      </div>
      <nav aria-label="Chats">
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${
          !this.loading && this.chats.length === 0 && !this.error
            ? html`<p class="empty">No chats yet.</p>`
            : nothing
        }
        <ul>
          ${repeat(
            this.chats,
            (chat) => chat.id,
            (chat) => html`<li>
              <a
                href="#/chats/${encodeURIComponent(chat.id)}"
                data-chat-id=${chat.id}
                aria-current=${chat.id === this.selectedId ? "page" : "false"}
                @click=${this._onChatClick}
              >
                <span class="title" title=${chat.title}>${chat.title || "Untitled chat"}</span>
                <time datetime=${chat.lastActivityAt}>${whenActive(chat.lastActivityAt, now)}</time>
              </a>
            </li>`,
          )}
        </ul>
        ${this.loading ? html`<p class="empty">Loading…</p>` : nothing}
        ${
          this.hasMore && !this.loading
            ? html`<button class="quiet more" type="button" @click=${this._onMoreClick}>Show older chats</button>`
            : nothing
        }
      </nav>
    `;
  }

  private _onChatClick(event: MouseEvent): void {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    const chatId = (event.currentTarget as HTMLElement).dataset.chatId;
    this.dispatchEvent(new CustomEvent("chat-select", { detail: { chatId }, bubbles: true, composed: true }));
  }

  private _onCreateClick(): void {
    this.dispatchEvent(new CustomEvent("chat-create", { bubbles: true, composed: true }));
  }

  private _onMoreClick(): void {
    this.dispatchEvent(new CustomEvent("chats-more", { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-list": ChatList;
  }
}
