import type { Chat } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { baseStyles } from "./base-styles.ts";
import { searchIcon } from "./icons.ts";
import "./chat-list-item.ts";

const dayMs = 24 * 60 * 60 * 1000;

/** The group a chat's last activity falls in, as ChatGPT and Claude.ai group them. */
function groupOf(timestamp: string, now: Date): string {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const at = Date.parse(timestamp);
  if (at >= startOfToday) return "Today";
  if (at >= startOfToday - dayMs) return "Yesterday";
  if (at >= startOfToday - 7 * dayMs) return "Previous 7 days";
  if (at >= startOfToday - 30 * dayMs) return "Previous 30 days";
  return "Older";
}

/** Lower case without accents, so "Resume" finds "Résumé". */
function folded(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase();
}

/**
 * The user's chats, newest activity first, grouped by day, with a filter box; the next page
 * loads when the end of the list scrolls into view.
 *
 * @fires chats-more - The end of the list is in view and more chats exist.
 * @fires chats-retry - The user asked to load the chats again after an error.
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
      }
      .filter {
        position: relative;
        margin: 0 12px 8px;
      }
      .filter svg {
        position: absolute;
        left: 10px;
        top: 50%;
        width: 15px;
        height: 15px;
        transform: translateY(-50%);
        color: var(--text-muted);
        pointer-events: none;
      }
      input {
        width: 100%;
        padding: 7px 10px 7px 32px;
        font: inherit;
        font-size: 14px;
        color: var(--text);
        background: var(--surface);
        border: 1px solid var(--border-strong);
        border-radius: 8px;
      }
      input::placeholder {
        color: var(--text-muted);
      }
      input:focus-visible {
        outline-offset: 0;
      }
      nav {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overscroll-behavior: contain;
        padding: 0 8px 12px;
      }
      h3 {
        margin: 14px 10px 4px;
        font-size: 12px;
        font-weight: 600;
        color: var(--text-muted);
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .note {
        margin: 0;
        padding: 10px;
        font-size: 13px;
        color: var(--text-muted);
      }
      .error {
        color: var(--danger);
      }
      .sentinel {
        height: 1px;
      }
    `,
  ];

  @property({ attribute: false }) chats: Chat[] = [];
  @property({ attribute: "selected-id" }) selectedId?: string;
  @property({ type: Boolean }) loading = false;
  @property({ type: Boolean, attribute: "has-more" }) hasMore = false;
  @property() error?: string;

  @state() private _filter = "";
  @query("nav") private _nav?: HTMLElement;
  @query(".sentinel") private _sentinel?: HTMLElement;
  private _observer: IntersectionObserver | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._observer?.disconnect();
    this._observer = undefined;
  }

  override firstUpdated(): void {
    this._observer = new IntersectionObserver(() => this._maybeLoadMore(), {
      root: this._nav,
      rootMargin: "200px",
    });
    if (this._sentinel) this._observer.observe(this._sentinel);
  }

  override updated(): void {
    // The observer only reports changes: a page that did not fill the list asks for the next one
    // here, once the items have rendered (they do after this element, so measure a frame later).
    requestAnimationFrame(() => this._maybeLoadMore());
  }

  override render() {
    const filter = folded(this._filter.trim());
    const shown = filter ? this.chats.filter((chat) => folded(chat.title).includes(filter)) : this.chats;
    const now = new Date();
    const groups = new Map<string, Chat[]>();
    for (const chat of shown) {
      const group = groupOf(chat.lastActivityAt, now);
      groups.set(group, [...(groups.get(group) ?? []), chat]);
    }
    return html`
      <div class="filter" role="search">
        ${searchIcon}
        <input
          type="search"
          aria-label="Filter chats"
          placeholder="Filter chats"
          .value=${this._filter}
          @input=${this._onFilterInput}
          @keydown=${this._onFilterKeyDown}
        />
      </div>
      <nav aria-label="Chat history">
        ${repeat(
          groups,
          ([group]) => group,
          ([group, chats]) => html`<section aria-label=${group}>
            <h3 aria-hidden="true">${group}</h3>
            <ul>
              ${repeat(
                chats,
                (chat) => chat.id,
                (chat) =>
                  html`<li><chat-list-item .chat=${chat} ?selected=${chat.id === this.selectedId}></chat-list-item></li>`,
              )}
            </ul>
          </section>`,
        )}
        ${
          this.error
            ? html`<p class="note error" role="alert">
                ${this.error} <button class="quiet" type="button" @click=${this._onRetryClick}>Try again</button>
              </p>`
            : nothing
        }
        ${this.loading ? html`<p class="note" role="status">Loading chats…</p>` : nothing}
        ${
          !this.loading && !this.error && shown.length === 0
            ? html`<p class="note">${filter ? (this.hasMore ? "Searching older chats…" : "No chat matches.") : "No chats yet."}</p>`
            : nothing
        }
        <div class="sentinel" aria-hidden="true"></div>
      </nav>
    `;
  }

  private _maybeLoadMore(): void {
    if (!this.hasMore || this.loading || this.error || !this._nav || !this._sentinel) return;
    const view = this._nav.getBoundingClientRect();
    const end = this._sentinel.getBoundingClientRect();
    if (view.height > 0 && end.top <= view.bottom + 200) {
      this.dispatchEvent(new CustomEvent("chats-more", { bubbles: true, composed: true }));
    }
  }

  private _onFilterInput(event: Event): void {
    this._filter = (event.target as HTMLInputElement).value;
  }

  private _onFilterKeyDown(event: KeyboardEvent): void {
    if (event.key === "Escape" && this._filter) {
      event.stopPropagation();
      this._filter = "";
    }
  }

  private _onRetryClick(): void {
    this.dispatchEvent(new CustomEvent("chats-retry", { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-list": ChatList;
  }
}
