import { css, html, LitElement } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { baseStyles } from "./base-styles.ts";

const maximumTextareaHeightPx = 200;

/**
 * Where the user writes. Enter sends, Shift+Enter starts a new line.
 *
 * @fires message-send - The user sent a message; detail `{ content }`.
 */
@customElement("message-composer")
export class MessageComposer extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        align-items: flex-end;
        gap: 8px;
        padding: 8px;
        border: 1px solid var(--border);
        border-radius: 14px;
        background: var(--surface);
        box-shadow: var(--shadow);
      }
      form:focus-within {
        border-color: var(--accent);
        box-shadow: var(--focus-ring);
      }
      textarea {
        flex: 1;
        min-width: 0;
        resize: none;
        border: 0;
        outline: none;
        background: transparent;
        color: inherit;
        font: inherit;
        line-height: 1.5;
        padding: 6px 6px;
        max-height: ${maximumTextareaHeightPx}px;
      }
      textarea:disabled {
        cursor: not-allowed;
      }
      textarea::placeholder {
        color: var(--text-muted);
      }
      button {
        flex: none;
      }
      .hint {
        margin: 6px 4px 0;
        font-size: 12px;
        color: var(--text-muted);
      }
      @media (max-width: 520px) {
        .hint {
          display: none;
        }
      }
    `,
  ];

  /** True while a turn runs: nothing can be sent until the answer has finished. */
  @property({ type: Boolean, reflect: true }) disabled = false;

  @property() placeholder = "Message the assistant…";

  @state() private _value = "";

  @query("textarea") private _textarea!: HTMLTextAreaElement;

  override focus(): void {
    this._textarea?.focus();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has("disabled") && changed.get("disabled") === true && !this.disabled) this.focus();
  }

  override render() {
    const empty = this._value.trim().length === 0;
    return html`
      <form @submit=${this._onSubmit}>
        <textarea
          rows="1"
          aria-label="Message"
          .value=${this._value}
          placeholder=${this.disabled ? "Waiting for the answer…" : this.placeholder}
          ?disabled=${this.disabled}
          @input=${this._onInput}
          @keydown=${this._onKeyDown}
        ></textarea>
        <button class="primary" type="submit" ?disabled=${this.disabled || empty}>Send</button>
      </form>
      <p class="hint">Enter to send, Shift+Enter for a new line</p>
    `;
  }

  private _onInput(event: Event): void {
    const textarea = event.target as HTMLTextAreaElement;
    this._value = textarea.value;
    this._fitHeight();
  }

  private _onKeyDown(event: KeyboardEvent): void {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    this._send();
  }

  private _onSubmit(event: Event): void {
    event.preventDefault();
    this._send();
  }

  private _send(): void {
    const content = this._value.trim();
    if (this.disabled || content.length === 0) return;
    this.dispatchEvent(
      new CustomEvent("message-send", { detail: { content }, bubbles: true, composed: true }),
    );
    this._value = "";
    this._textarea.value = "";
    this._fitHeight();
  }

  private _fitHeight(): void {
    const textarea = this._textarea;
    if (!textarea) return;
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, maximumTextareaHeightPx)}px`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "message-composer": MessageComposer;
  }
}
