import type { ChatSearchHit } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property } from "lit/decorators.js";
import { routePath } from "../app-route.ts";
import { markdownText } from "../markdown/markdown-text.ts";
import { isPlainLeftClick } from "../plain-left-click.ts";
import { splitAtMatches } from "../search/split-at-matches.ts";
import { baseStyles } from "./base-styles.ts";

/**
 * One chat a search found, in the sidebar: a link with the chat's title and, when a message
 * matched, who wrote it and the text around the match, the searched text marked (an answer's
 * without its markdown syntax). The snippet is model output, so it only ever goes into text bindings.
 *
 * @fires chat-select - The chat was picked; detail `{ chatId }`, and `{ messageId, query }` of a matched message.
 */
@customElement("chat-search-result")
export class ChatSearchResult extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      a {
        display: block;
        padding: 8px 10px;
        border-radius: 8px;
        color: inherit;
        text-decoration: none;
        font-size: 14px;
        line-height: 1.35;
      }
      a:hover {
        background: var(--surface-sunken);
      }
      :host([selected]) a {
        background: var(--accent-soft);
      }
      a:focus-visible {
        outline-offset: -2px;
      }
      .title {
        display: block;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      :host([selected]) .title {
        color: var(--accent-soft-text);
        font-weight: 600;
      }
      .snippet {
        display: block;
        margin-top: 2px;
        font-size: 13px;
        color: var(--text-muted);
        overflow-wrap: anywhere;
      }
      .author {
        font-weight: 600;
      }
      mark {
        padding: 0 1px;
        border-radius: 3px;
        background: var(--mark);
        color: var(--mark-text);
      }
    `,
  ];

  @property({ attribute: false }) hit?: ChatSearchHit;
  /** The text that was searched for, marked wherever it occurs. */
  @property() query = "";
  @property({ type: Boolean, reflect: true }) selected = false;

  override render() {
    const hit = this.hit;
    if (!hit) return nothing;
    const match = hit.match;
    const title = hit.chat.title || "Untitled chat";
    return html`<a
      href=${routePath({ kind: "chat", chatId: hit.chat.id })}
      aria-current=${this.selected ? "page" : "false"}
      @click=${this._onLinkClick}
    >
      <span class="title" title=${title}>${this._marked(title)}</span>
      ${
        match.in === "message"
          ? html`<span class="snippet"
              ><span class="author">${match.role === "user" ? "You" : "Assistant"}:</span> ${this._marked(
                match.role === "user" ? match.snippet : markdownText(match.snippet),
              )}</span
            >`
          : nothing
      }
    </a>`;
  }

  private _marked(text: string) {
    return splitAtMatches(text, this.query).map((part) =>
      part.matched ? html`<mark>${part.text}</mark>` : part.text,
    );
  }

  private _onLinkClick(event: MouseEvent): void {
    if (!isPlainLeftClick(event)) return;
    event.preventDefault();
    this.dispatchEvent(
      new CustomEvent("chat-select", {
        detail: {
          chatId: this.hit?.chat.id,
          ...(this.hit?.match.in === "message"
            ? { messageId: this.hit.match.messageId, query: this.query }
            : {}),
        },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-search-result": ChatSearchResult;
  }
}
