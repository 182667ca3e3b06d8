import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import { pendingMathClass, whenMathRenderable } from "../markdown/math-extension.ts";
import { renderMarkdown } from "../markdown/render-markdown.ts";
import { markMatches } from "../search/mark-matches.ts";
import { splitAtMatches } from "../search/split-at-matches.ts";
import type { ThreadMessage } from "../thread/thread-reducer.ts";
import { baseStyles } from "./base-styles.ts";
import "./message-attachments.ts";
import "./read-aloud-button.ts";
import { copyIcon, pencilIcon, retryIcon } from "./icons.ts";
import { markdownStyles } from "./markdown-styles.ts";

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

function shortTime(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return "";
  return date.toDateString() === new Date().toDateString() ? timeOfDay.format(date) : dayAndTime.format(date);
}

/**
 * One message of a thread. The user's own text is shown as typed; the assistant's answer is
 * model output, so untrusted: markdown rendered by `renderMarkdown` (marked, then DOMPurify).
 * While an answer streams it shows a typing indicator until the first words, then a caret.
 *
 * @fires message-retry - The user asked to send again after a failure; detail `{ messageId }`.
 * @fires message-regenerate - The user asked for this answer to be written again; detail `{ messageId }`.
 * @fires message-edit - The user sent a new version of this question; detail `{ messageId, content }`.
 * @fires message-switch - The user asked for another version of this message; detail `{ messageId }` (that version's).
 */
@customElement("chat-message")
export class ChatMessage extends LitElement {
  static override styles = [
    baseStyles,
    markdownStyles,
    css`
      :host {
        display: block;
      }
      mark {
        padding: 0 1px;
        border-radius: 3px;
        background: var(--mark);
        color: var(--mark-text);
      }
      .notice {
        margin: 0;
        text-align: center;
        font-size: 13px;
        color: var(--text-muted);
      }
      .agent .avatar {
        background: var(--surface-muted);
        color: var(--text);
        border: 1px solid var(--border);
      }
      .author {
        font-weight: 600;
        color: var(--text);
      }
      article {
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      .user {
        align-items: flex-end;
      }
      .bubble {
        max-width: min(85%, 40rem);
        padding: 10px 14px;
        border-radius: 18px 18px 4px 18px;
        background: var(--user-bubble);
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .user.sending .bubble {
        opacity: 0.75;
      }
      .assistant {
        display: grid;
        grid-template-columns: 30px minmax(0, 1fr);
        column-gap: 12px;
      }
      .avatar {
        grid-row: span 3;
        display: grid;
        place-items: center;
        width: 30px;
        height: 30px;
        border-radius: 50%;
        background: var(--accent);
        color: var(--accent-text);
        font-size: 13px;
        font-weight: 700;
      }
      .answer {
        min-width: 0;
        min-height: 30px;
        padding-top: 3px;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px;
        min-height: 18px;
        font-size: 12px;
        color: var(--text-muted);
      }
      .meta .stopped {
        padding: 0 6px;
        border-radius: 4px;
        background: var(--surface-sunken);
        color: var(--text);
      }
      .meta button.quiet {
        margin-block: -4px;
        padding: 4px 8px;
        font-size: 12px;
        font-weight: 500;
      }
      .meta button.quiet svg.icon {
        width: 14px;
        height: 14px;
      }
      .typing {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        height: 1.65em;
      }
      .typing i {
        width: 7px;
        height: 7px;
        border-radius: 50%;
        background: var(--text-muted);
        animation: bounce 1.2s ease-in-out infinite;
      }
      .typing i:nth-child(3) {
        animation-delay: 0.15s;
      }
      .typing i:nth-child(4) {
        animation-delay: 0.3s;
      }
      @keyframes bounce {
        0%,
        60%,
        100% {
          transform: translateY(0);
          opacity: 0.45;
        }
        30% {
          transform: translateY(-4px);
          opacity: 1;
        }
      }
      .streaming > :is(p, h1, h2, h3, h4, h5, h6, blockquote):last-child::after,
      .streaming > :is(ul, ol):last-child > li:last-child::after,
      .streaming > .code-block:last-child code::after {
        content: "";
        display: inline-block;
        width: 0.5em;
        height: 1.1em;
        margin-left: 2px;
        vertical-align: text-bottom;
        border-radius: 1px;
        background: var(--accent);
        animation: blink 1s steps(2, start) infinite;
      }
      @keyframes blink {
        to {
          visibility: hidden;
        }
      }
      .error {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 10px;
        margin-top: 6px;
        padding: 8px 10px 8px 12px;
        border: 1px solid color-mix(in srgb, var(--danger) 35%, transparent);
        border-radius: 10px;
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 14px;
      }
      .user .error {
        max-width: min(85%, 40rem);
      }
      .error span {
        flex: 1;
        min-width: 12ch;
      }
      .error button {
        padding: 4px 10px;
        color: var(--danger);
        border-color: currentColor;
        background: transparent;
      }
      .versions {
        display: inline-flex;
        align-items: center;
        gap: 2px;
        font-variant-numeric: tabular-nums;
      }
      .meta .versions button {
        padding: 2px 6px;
      }
      .editor {
        display: flex;
        flex-direction: column;
        align-items: flex-end;
        gap: 6px;
        width: min(85%, 40rem);
      }
      .editor textarea {
        box-sizing: border-box;
        width: 100%;
        min-height: 4.5em;
        padding: 10px 14px;
        border: 1px solid var(--border);
        border-radius: 14px;
        background: var(--surface);
        color: var(--text);
        font: inherit;
        resize: vertical;
      }
      .editor .actions {
        display: flex;
        gap: 8px;
      }
    `,
  ];

  @property({ attribute: false }) message?: ThreadMessage;
  /** The answering model's name as people read it. */
  @property({ attribute: "model-label" }) modelLabel?: string;
  /** Offers Regenerate: this is the chat's latest answer, finished, and nothing runs. */
  @property({ type: Boolean }) regenerable = false;
  /** Offers Edit on a sent question, and the version switcher: nothing runs in the chat. */
  @property({ type: Boolean }) editable = false;

  /** Searched text to mark in the message (a search result opened here). */
  @property() highlight?: string;

  @state() private _copied = false;
  /** The text of the question's new version while it is edited; undefined when not editing. */
  @state() private _draft: string | undefined;
  private _html = "";
  private _renderedContent: string | undefined;
  private _copiedTimer: ReturnType<typeof setTimeout> | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this._copiedTimer);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    const message = this.message;
    if (
      changed.has("message") &&
      message?.role === "assistant" &&
      message.content !== this._renderedContent
    ) {
      this._renderedContent = message.content;
      this._html = renderMarkdown(message.content);
      if (this._html.includes(pendingMathClass)) {
        whenMathRenderable(() => {
          this._renderedContent = undefined;
          this.requestUpdate("message");
        });
      }
    }
  }

  override render() {
    const message = this.message;
    if (!message) return nothing;
    if (message.notice) return html`<p class="notice" role="note">${message.content}</p>`;
    return message.role === "user" ? this._renderUser(message) : this._renderAssistant(message);
  }

  private _renderUser(message: ThreadMessage) {
    if (this._draft !== undefined) return this._renderEditor();
    const sent = message.status === "complete";
    return html`<article class="user ${message.status}" aria-label="You">
      ${message.attachments?.length ? html`<message-attachments .attachments=${message.attachments}></message-attachments>` : nothing}
      ${
        message.content === ""
          ? nothing
          : html`<div class="bubble">${this.highlight ? this._marked(message.content, this.highlight) : message.content}</div>`
      }
      ${
        message.status === "failed"
          ? this._renderError(message, `Not sent: ${message.error?.message ?? "something went wrong."}`)
          : html`<div class="meta">
              ${message.status === "sending" ? "Sending…" : this._renderTime(message.createdAt)}
              ${this._renderVersions(message)}
              ${sent && message.content !== "" ? this._renderCopy(message, "Copy your message") : nothing}
              ${this._copied ? html`<span role="status">Copied to the clipboard</span>` : nothing}
              ${
                sent && this.editable
                  ? html`<button class="quiet edit" type="button" aria-label="Edit this message" @click=${this._onEditClick}>
                      ${pencilIcon} Edit
                    </button>`
                  : nothing
              }
            </div>`
      }
    </article>`;
  }

  /** The question as an inline editor: Enter sends the new version, Shift+Enter a new line, Escape cancels. */
  private _renderEditor() {
    const draft = this._draft ?? "";
    return html`<article class="user" aria-label="You, editing">
      <div class="editor">
        <textarea
          aria-label="Edit your message"
          .value=${draft}
          @input=${this._onDraftInput}
          @keydown=${this._onDraftKeydown}
        ></textarea>
        <div class="actions">
          <button class="ghost" type="button" @click=${this._onEditCancel}>Cancel</button>
          <button class="primary" type="button" ?disabled=${draft.trim() === ""} @click=${this._onEditSubmit}>
            Send
          </button>
        </div>
      </div>
    </article>`;
  }

  /** `‹ 2 / 3 ›` on a message with versions: the buttons show the one before or after. */
  private _renderVersions(message: ThreadMessage) {
    const versions = message.siblingIds;
    if (!versions || versions.length < 2) return nothing;
    const index = versions.indexOf(message.id);
    const position = `${index + 1} / ${versions.length}`;
    const switchable = this.editable && message.status !== "streaming";
    return html`<span class="versions" role="group" aria-label=${`Version ${position}`}>
      <button
        class="quiet"
        type="button"
        aria-label="Previous version"
        ?disabled=${!switchable || index <= 0}
        @click=${() => this._fireSwitch(versions[index - 1])}
      >‹</button>
      <span>${position}</span>
      <button
        class="quiet"
        type="button"
        aria-label="Next version"
        ?disabled=${!switchable || index >= versions.length - 1}
        @click=${() => this._fireSwitch(versions[index + 1])}
      >›</button>
    </span>`;
  }

  private _renderAssistant(message: ThreadMessage) {
    const streaming = message.status === "streaming";
    const waiting = streaming && message.content.length === 0;
    const agent = message.author?.name;
    return html`<article class="assistant ${agent ? "agent" : ""}" aria-label=${agent ?? "Assistant"}>
      <div class="avatar" aria-hidden="true">${agent ? agent.slice(0, 1).toUpperCase() : "AI"}</div>
      <div class="answer" aria-busy=${streaming ? "true" : "false"}>
        ${
          waiting
            ? html`<div class="typing" role="status">
                <span class="visually-hidden">The assistant is writing</span><i></i><i></i><i></i>
              </div>`
            : html`<div class="markdown ${streaming ? "streaming" : ""}" @click=${this._onMarkdownClick}>
                ${unsafeHTML(this._html)}
              </div>`
        }
      </div>
      ${message.status === "failed" ? this._renderError(message, message.error?.message ?? "The answer failed.") : nothing}
      <div class="meta">
        ${streaming ? "Writing…" : this._renderTime(message.createdAt)}
        ${agent ? html`<span aria-hidden="true">·</span><span class="author">${agent}</span>` : nothing}
        ${this.modelLabel && !agent ? html`<span aria-hidden="true">·</span><span>${this.modelLabel}</span>` : nothing}
        ${message.finishReason === "cancelled" ? html`<span class="stopped">Stopped</span>` : nothing}
        ${message.finishReason === "length" ? html`<span class="stopped">Cut off at the length limit</span>` : nothing}
        ${
          message.finishReason === "interrupted"
            ? html`<span class="stopped">Interrupted by a server restart: regenerate for a whole answer</span>`
            : nothing
        }
        ${this._renderVersions(message)}
        ${message.status === "complete" && message.content ? this._renderCopy(message, "Copy the answer (markdown)") : nothing}
        ${this._copied ? html`<span role="status">Copied to the clipboard</span>` : nothing}
        ${message.status === "complete" && message.content ? html`<read-aloud-button .text=${message.content}></read-aloud-button>` : nothing}
        ${
          this.regenerable
            ? html`<button class="quiet regenerate" type="button" @click=${this._onRegenerateClick}>
                ${retryIcon} Regenerate
              </button>`
            : nothing
        }
      </div>
    </article>`;
  }

  private _renderTime(timestamp: string) {
    const date = new Date(timestamp);
    return html`<time datetime=${timestamp} title=${Number.isNaN(date.getTime()) ? "" : fullDate.format(date)}
      >${shortTime(timestamp)}</time
    >`;
  }

  private _renderError(message: ThreadMessage, text: string) {
    const canRetry = message.error?.retryable !== false;
    return html`<div class="error" role="alert">
      <span>${text}</span>
      ${
        canRetry
          ? html`<button class="ghost" type="button" @click=${this._onRetryClick}>${retryIcon} Retry</button>`
          : nothing
      }
    </div>`;
  }

  override updated(): void {
    const markdown = this.renderRoot.querySelector(".markdown");
    if (this.highlight && markdown && !markdown.querySelector("mark")) markMatches(markdown, this.highlight);
  }

  private _marked(text: string, query: string) {
    return splitAtMatches(text, query).map((part) =>
      part.matched ? html`<mark>${part.text}</mark>` : part.text,
    );
  }

  /** A button that copies the whole message as it was written: the answer's markdown, the question's text. */
  private _renderCopy(message: ThreadMessage, label: string) {
    return html`<button class="quiet copy" type="button" aria-label=${label} title=${label} @click=${() => this._copyMessage(message)}>
      ${copyIcon} Copy
    </button>`;
  }

  private async _copyMessage(message: ThreadMessage): Promise<void> {
    if (!(await copyText(message.content, this.renderRoot as ShadowRoot))) return;
    this._copied = true;
    clearTimeout(this._copiedTimer);
    this._copiedTimer = setTimeout(() => {
      this._copied = false;
    }, 1_500);
  }

  private async _onMarkdownClick(event: Event): Promise<void> {
    const button = (event.target as Element).closest?.("button[data-code-copy]");
    if (!button) return;
    const code = button.closest(".code-block")?.querySelector("pre code")?.textContent ?? "";
    if (!(await copyText(code, this.renderRoot as ShadowRoot))) return;
    button.textContent = "Copied";
    this._copied = true;
    clearTimeout(this._copiedTimer);
    this._copiedTimer = setTimeout(() => {
      button.textContent = "Copy";
      this._copied = false;
    }, 1_500);
  }

  private async _onEditClick(): Promise<void> {
    this._draft = this.message?.content ?? "";
    await this.updateComplete;
    const field = this.renderRoot.querySelector("textarea");
    field?.focus();
    field?.setSelectionRange(field.value.length, field.value.length);
  }

  private _onDraftInput(event: Event): void {
    this._draft = (event.target as HTMLTextAreaElement).value;
  }

  private _onDraftKeydown(event: KeyboardEvent): void {
    if (event.key === "Escape") {
      event.preventDefault();
      this._onEditCancel();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this._onEditSubmit();
    }
  }

  private async _onEditCancel(): Promise<void> {
    this._draft = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>("button.edit")?.focus();
  }

  private _onEditSubmit(): void {
    const content = this._draft?.trim();
    if (!content || !this.message) return;
    this._draft = undefined;
    this.dispatchEvent(
      new CustomEvent("message-edit", {
        detail: { messageId: this.message.id, content },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private _fireSwitch(messageId: string | undefined): void {
    if (!messageId) return;
    this.dispatchEvent(
      new CustomEvent("message-switch", { detail: { messageId }, bubbles: true, composed: true }),
    );
  }

  private _onRetryClick(): void {
    this._fire("message-retry");
  }

  private _onRegenerateClick(): void {
    this._fire("message-regenerate");
  }

  private _fire(type: "message-retry" | "message-regenerate"): void {
    if (!this.message) return;
    this.dispatchEvent(
      new CustomEvent(type, { detail: { messageId: this.message.id }, bubbles: true, composed: true }),
    );
  }
}

/**
 * Copies text: the Clipboard API where the page is a secure context, else the old
 * select-and-copy (a deployment on plain http on a LAN).
 */
async function copyText(text: string, root: ShadowRoot): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, no focus): try the fallback.
  }
  const field = document.createElement("textarea");
  field.value = text;
  field.setAttribute("readonly", "");
  field.className = "visually-hidden";
  root.append(field);
  field.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    field.remove();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-message": ChatMessage;
  }
}
