import { css, html, LitElement, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { ThreadMessage } from "../controllers/chat-stream-controller.ts";
import { type MessageSegment, splitCodeFences } from "../split-code-fences.ts";
import { baseStyles } from "./base-styles.ts";

/**
 * One message of a thread. Content is model output and so untrusted: it is rendered as text
 * only, split into prose and fenced code blocks, never parsed as HTML.
 *
 * @fires message-retry - The user asked to send a failed message again; detail `{ messageId }`.
 */
@customElement("chat-message")
export class ChatMessage extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      :host([role-name="user"]) {
        align-items: flex-end;
      }
      .bubble {
        max-width: min(100%, 46rem);
        min-width: 0;
        overflow-wrap: anywhere;
      }
      :host([role-name="user"]) .bubble {
        background: var(--user-bubble);
        padding: 10px 14px;
        border-radius: 16px 16px 4px 16px;
        max-width: min(85%, 40rem);
      }
      :host([role-name="user"][status="sending"]) .bubble {
        opacity: 0.7;
      }
      :host([role-name="assistant"]) .bubble {
        width: 100%;
      }
      .text {
        white-space: pre-wrap;
        margin: 0;
      }
      .text + .text,
      .text + figure,
      figure + .text,
      figure + figure {
        margin-top: 12px;
      }
      figure {
        margin: 0;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--code-surface);
        overflow: hidden;
      }
      figcaption {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
        padding: 2px 4px 2px 12px;
        border-bottom: 1px solid var(--border);
        font-size: 12px;
        color: var(--text-muted);
        font-family: var(--font-code);
      }
      figcaption button {
        font-size: 12px;
        padding: 3px 8px;
      }
      pre {
        margin: 0;
        padding: 12px;
        overflow-x: auto;
        font-family: var(--font-code);
        font-size: 13px;
        line-height: 1.55;
        tab-size: 2;
      }
      .cursor {
        display: inline-block;
        width: 0.55em;
        height: 1.1em;
        margin-left: 2px;
        vertical-align: text-bottom;
        background: var(--accent);
        border-radius: 1px;
        animation: blink 1s steps(2, start) infinite;
      }
      @keyframes blink {
        to {
          visibility: hidden;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .cursor {
          animation: none;
          opacity: 0.6;
        }
      }
      .meta {
        display: flex;
        align-items: center;
        gap: 8px;
        font-size: 12px;
        color: var(--text-muted);
      }
      .error {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px;
        max-width: min(100%, 46rem);
        padding: 8px 12px;
        border-radius: 8px;
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 14px;
      }
      .error button {
        color: var(--danger);
        padding: 2px 8px;
        border-color: currentColor;
      }
    `,
  ];

  @property({ attribute: false }) message?: ThreadMessage;

  @state() private _copiedIndex: number | undefined;

  private _copiedTimer: ReturnType<typeof setTimeout> | undefined;

  override willUpdate(): void {
    this.setAttribute("role-name", this.message?.role ?? "assistant");
    this.setAttribute("status", this.message?.status ?? "complete");
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this._copiedTimer);
  }

  override render() {
    const message = this.message;
    if (!message) return nothing;
    const streaming = message.status === "streaming";
    const segments = splitCodeFences(message.content);
    const showBubble = segments.length > 0 || streaming;
    return html`
      ${
        showBubble
          ? html`<div class="bubble" part="bubble">
              ${segments.map((segment, index) =>
                this._renderSegment(segment, index, streaming && index === segments.length - 1),
              )}
              ${streaming && segments.length === 0 ? html`<span class="cursor" aria-label="Writing"></span>` : nothing}
            </div>`
          : nothing
      }
      ${this._renderFooter(message)}
    `;
  }

  private _renderSegment(segment: MessageSegment, index: number, withCursor: boolean): TemplateResult {
    const cursor = withCursor ? html`<span class="cursor" aria-hidden="true"></span>` : nothing;
    if (segment.kind === "text") {
      return html`<p class="text">${segment.text}${cursor}</p>`;
    }
    return html`<figure>
      <figcaption>
        <span>${segment.language || "code"}</span>
        <button class="quiet" type="button" data-index=${index} @click=${this._onCopyClick}>
          ${this._copiedIndex === index ? "Copied" : "Copy"}
        </button>
      </figcaption>
      <pre><code>${segment.code}${cursor}</code></pre>
    </figure>`;
  }

  private _renderFooter(message: ThreadMessage) {
    if (message.status === "failed") {
      const text =
        message.error?.message ??
        (message.role === "assistant" ? "The answer stopped because of an error." : "Not sent.");
      const canRetry = message.role === "user" && message.error?.retryable !== false;
      return html`<div class="error" role="alert">
        <span>${text}</span>
        ${canRetry ? html`<button class="ghost" type="button" @click=${this._onRetryClick}>Retry</button>` : nothing}
      </div>`;
    }
    if (message.role === "user" && message.status === "sending") {
      return html`<div class="meta">Sending…</div>`;
    }
    if (message.role === "assistant" && message.status === "complete" && message.finishReason === "length") {
      return html`<div class="meta">The answer was cut off at the length limit.</div>`;
    }
    if (
      message.role === "assistant" &&
      message.status === "complete" &&
      message.finishReason === "cancelled"
    ) {
      return html`<div class="meta">Stopped.</div>`;
    }
    return nothing;
  }

  private async _onCopyClick(event: Event): Promise<void> {
    const index = Number((event.currentTarget as HTMLElement).dataset.index);
    const segment = splitCodeFences(this.message?.content ?? "")[index];
    if (segment?.kind !== "code") return;
    try {
      await navigator.clipboard.writeText(segment.code);
      this._copiedIndex = index;
      clearTimeout(this._copiedTimer);
      this._copiedTimer = setTimeout(() => {
        this._copiedIndex = undefined;
      }, 1_500);
    } catch {
      // Clipboard access was refused; nothing useful to show.
    }
  }

  private _onRetryClick(): void {
    if (!this.message) return;
    this.dispatchEvent(
      new CustomEvent("message-retry", {
        detail: { messageId: this.message.id },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-message": ChatMessage;
  }
}
