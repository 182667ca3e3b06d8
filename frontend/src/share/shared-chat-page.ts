import type { SharedChat } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { baseStyles } from "../elements/base-styles.ts";
import "../elements/chat-message.ts";
import type { ThreadMessage } from "../thread/thread-reducer.ts";

type Loaded =
  | { status: "loaded"; chat: SharedChat }
  | { status: "loading" }
  | { status: "missing"; message: string };

const snapshotDate = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" });

/** The share id in the page's path, `/s/<id>`. */
export function shareIdFromPath(path: string): string | null {
  return /^\/s\/([A-Za-z0-9_-]{1,64})$/.exec(path)?.[1] ?? null;
}

/**
 * A shared chat, read-only, for anyone with the link (`/s/<id>`): the snapshot from
 * `GET /api/shared/:id`, each message rendered by `<chat-message>` exactly as the app renders it
 * (the same markdown, sanitising and math), with no account and nothing to send.
 */
@customElement("shared-chat-page")
export class SharedChatPage extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--surface);
        color: var(--text);
      }
      header,
      main,
      footer {
        max-width: 52rem;
        margin: 0 auto;
        padding: 1rem 1.25rem;
      }
      header {
        border-bottom: 1px solid var(--border);
      }
      h1 {
        margin: 0 0 0.25rem;
        font-size: 1.35rem;
      }
      .about,
      footer {
        color: var(--text-muted);
        font-size: 0.875rem;
      }
      main {
        display: flex;
        flex-direction: column;
        gap: 1rem;
      }
      .truncated {
        text-align: center;
      }
    `,
  ];

  @state() private _state: Loaded = { status: "loading" };

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  private async _load(): Promise<void> {
    const shareId = shareIdFromPath(window.location.pathname);
    if (!shareId) {
      this._state = { status: "missing", message: "This is not a share link." };
      return;
    }
    try {
      const response = await fetch(`/api/shared/${shareId}`, { credentials: "omit" });
      if (!response.ok) {
        this._state = { status: "missing", message: "This link does not exist or its owner revoked it." };
        return;
      }
      const chat = (await response.json()) as SharedChat;
      document.title = `${chat.title} · Shared chat`;
      this._state = { status: "loaded", chat };
    } catch {
      this._state = {
        status: "missing",
        message: "The chat could not be loaded: check the connection and reload.",
      };
    }
  }

  override render() {
    const state = this._state;
    if (state.status === "loading") return html`<main><p role="status">Loading the shared chat…</p></main>`;
    if (state.status === "missing") {
      return html`<main>
        <h1>Nothing to show</h1>
        <p role="alert">${state.message}</p>
        <p><a href="/">Open the chat app</a></p>
      </main>`;
    }
    const { chat } = state;
    return html`
      <header>
        <h1>${chat.title}</h1>
        <p class="about">
          A read-only copy shared on
          <time datetime=${chat.createdAt}>${snapshotDate.format(new Date(chat.createdAt))}</time>, answered by
          ${chat.model}. Messages written after that do not show.
        </p>
      </header>
      <main aria-label="Messages">
        ${chat.truncated ? html`<p class="about truncated">Earlier messages are not part of this link.</p>` : nothing}
        ${chat.messages.map(
          (message, index) =>
            html`<chat-message
              .message=${{ ...message, id: `m${index}`, chatId: chat.id, status: "complete", lastSeq: -1 } satisfies ThreadMessage}
            ></chat-message>`,
        )}
      </main>
      <footer><a href="/">Start your own chat</a></footer>
    `;
  }
}
