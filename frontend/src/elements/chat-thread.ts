import type { Chat } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, query } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { ChatStreamController } from "../controllers/chat-stream-controller.ts";
import { modelLabel } from "../model-label.ts";
import { baseStyles } from "./base-styles.ts";
import "./chat-message.ts";
import "./message-composer.ts";

/** Pixels from the bottom within which the thread keeps following new text. */
const followThresholdPx = 80;

/**
 * The open chat: its history, the live answer and the composer.
 *
 * @fires chat-updated - The chat changed (title, model or activity); detail `{ chat }`.
 */
@customElement("chat-thread")
export class ChatThread extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
      }
      header {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 12px 20px;
        border-bottom: 1px solid var(--border);
        min-height: 57px;
      }
      h2 {
        margin: 0;
        font-size: 16px;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        min-width: 0;
      }
      .badge {
        flex: none;
        font-size: 12px;
        padding: 2px 8px;
        border-radius: 999px;
        background: var(--accent-soft);
        color: var(--accent-strong);
        white-space: nowrap;
      }
      .connection {
        margin-left: auto;
        flex: none;
        font-size: 12px;
        color: var(--text-muted);
        display: flex;
        align-items: center;
        gap: 6px;
      }
      .connection::before {
        content: "";
        width: 7px;
        height: 7px;
        border-radius: 50%;
        background: #d97706;
      }
      .scroller {
        flex: 1;
        overflow-y: auto;
        overscroll-behavior: contain;
      }
      .messages {
        display: flex;
        flex-direction: column;
        gap: 20px;
        max-width: 48rem;
        margin: 0 auto;
        padding: 24px 20px 12px;
      }
      .notice {
        margin: auto;
        padding: 48px 20px;
        text-align: center;
        color: var(--text-muted);
      }
      .notice h3 {
        margin: 0 0 6px;
        color: var(--text);
        font-size: 18px;
        font-weight: 600;
      }
      .notice p {
        margin: 0 0 16px;
      }
      .older {
        text-align: center;
        font-size: 12px;
        color: var(--text-muted);
      }
      .composer {
        max-width: 48rem;
        width: 100%;
        margin: 0 auto;
        padding: 8px 20px 16px;
      }
      .banner {
        display: flex;
        align-items: center;
        gap: 8px;
        margin-bottom: 8px;
        padding: 8px 12px;
        border-radius: 8px;
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 14px;
      }
      .banner span {
        flex: 1;
      }
      .banner button {
        color: var(--danger);
      }
      @media (max-width: 720px) {
        header {
          padding: 10px 12px 10px 60px;
        }
        .messages {
          padding: 16px 12px 8px;
        }
        .composer {
          padding: 6px 10px 10px;
        }
      }
    `,
  ];

  /** The chat to show; the stream follows it. */
  @property({ attribute: "chat-id" }) chatId?: string;

  @query(".scroller") private _scroller?: HTMLElement;

  private readonly _stream = new ChatStreamController(this, {
    onChatUpdated: (chat) => this._onChatUpdated(chat),
  });

  private _following = true;

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("chatId")) {
      this._following = true;
      this._stream.open(this.chatId);
    }
  }

  override updated(): void {
    if (this._following && this._scroller) this._scroller.scrollTop = this._scroller.scrollHeight;
  }

  override render() {
    const stream = this._stream;
    if (!this.chatId) return nothing;
    if (stream.history === "failed" && stream.historyError) {
      const missing = stream.historyError.status === 404;
      return html`<div class="notice" role="alert">
        <h3>${missing ? "Chat not found" : "This chat could not be loaded"}</h3>
        <p>${missing ? "It may have been deleted." : stream.historyError.message}</p>
        ${missing ? nothing : html`<button class="ghost" type="button" @click=${this._onReloadClick}>Try again</button>`}
      </div>`;
    }
    const chat = stream.chat;
    return html`
      <header>
        <h2 title=${chat?.title ?? ""}>${chat?.title ?? "Loading…"}</h2>
        ${chat ? html`<span class="badge" title=${chat.model}>${modelLabel(chat.model)}</span>` : nothing}
        ${
          stream.connection === "reconnecting"
            ? html`<span class="connection" role="status">Reconnecting…</span>`
            : nothing
        }
      </header>
      <div class="scroller" @scroll=${this._onScroll}>
        <div class="messages" aria-live="polite">
          ${stream.hasOlderMessages ? html`<p class="older">Older messages are not shown.</p>` : nothing}
          ${
            stream.history === "loaded" && stream.messages.length === 0
              ? html`<div class="notice">
                  <h3>Start the conversation</h3>
                  <p>Ask anything. Answers stream in as they are written.</p>
                </div>`
              : nothing
          }
          ${repeat(
            stream.messages,
            (message) => message.clientMessageId ?? message.id,
            (message) =>
              html`<chat-message .message=${message} @message-retry=${this._onMessageRetry}></chat-message>`,
          )}
        </div>
      </div>
      <div class="composer">
        ${
          stream.threadError
            ? html`<div class="banner" role="alert">
                <span>${stream.threadError.message}</span>
                <button class="quiet" type="button" @click=${this._onDismissErrorClick}>Dismiss</button>
              </div>`
            : nothing
        }
        <message-composer
          ?disabled=${stream.turnRunning || stream.history !== "loaded"}
          @message-send=${this._onMessageSend}
        ></message-composer>
      </div>
    `;
  }

  private _onScroll(): void {
    const scroller = this._scroller;
    if (!scroller) return;
    this._following = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < followThresholdPx;
  }

  private _onMessageSend(event: CustomEvent<{ content: string }>): void {
    this._following = true;
    void this._stream.send(event.detail.content);
  }

  private _onMessageRetry(event: CustomEvent<{ messageId: string }>): void {
    this._following = true;
    void this._stream.retry(event.detail.messageId);
  }

  private _onReloadClick(): void {
    this._stream.reload();
  }

  private _onDismissErrorClick(): void {
    this._stream.dismissThreadError();
  }

  private _onChatUpdated(chat: Chat): void {
    this.dispatchEvent(new CustomEvent("chat-updated", { detail: { chat }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-thread": ChatThread;
  }
}
