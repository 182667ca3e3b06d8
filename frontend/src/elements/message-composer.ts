import type { ModelSummary } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { maximumMessageLength } from "../api-limits.ts";
import { baseStyles } from "./base-styles.ts";
import { sendIcon, stopIcon } from "./icons.ts";

/** From here on the composer shows how much is left. */
const lengthHintFrom = 0.8 * maximumMessageLength;
const maximumHeightRatio = 0.4;
const countFormat = new Intl.NumberFormat();

/** A model as the picker names it: its name, and whether it sees images (only those take one). */
function modelLabel(model: Pick<ModelSummary, "displayName" | "vision">): string {
  return model.vision ? `${model.displayName} — sees images` : model.displayName;
}

/**
 * Where the user writes. The text box grows with its text; Enter sends, Shift+Enter starts a
 * new line. While the chat is busy the text can still be written but not sent; while an answer
 * streams, the send button becomes a stop button. A model picker shows when more than one
 * model is usable (saying which ones see images), and a length hint near the limit.
 *
 * @fires message-send - The user sent a message; detail `{ content }`.
 * @fires answer-stop - The user asked to stop the answer being written.
 * @fires model-change - The user picked another model; detail `{ model }`.
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
        flex-direction: column;
        gap: 4px;
        padding: 8px 8px 8px 14px;
        border: 1px solid var(--border-strong);
        border-radius: 18px;
        background: var(--surface);
        box-shadow: var(--shadow);
      }
      form:focus-within {
        border-color: var(--focus);
        outline: 1px solid var(--focus);
      }
      textarea {
        display: block;
        width: 100%;
        min-height: 28px;
        margin: 4px 0 0;
        padding: 2px 0;
        resize: none;
        border: 0;
        outline: none;
        background: transparent;
        color: inherit;
        font: inherit;
        font-size: 15px;
        line-height: 1.5;
        overflow-y: auto;
      }
      textarea:focus-visible {
        outline: none;
      }
      textarea::placeholder {
        color: var(--text-muted);
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 8px;
        min-height: 36px;
      }
      select {
        max-width: 55%;
        padding: 5px 8px;
        font: inherit;
        font-size: 13px;
        color: var(--text);
        background: var(--surface-muted);
        border: 1px solid var(--border-strong);
        border-radius: 8px;
      }
      .spacer {
        flex: 1;
      }
      .count {
        font-size: 12px;
        color: var(--text-muted);
        font-variant-numeric: tabular-nums;
      }
      .count.over {
        color: var(--danger);
        font-weight: 600;
      }
      .send {
        width: 36px;
        height: 36px;
        padding: 0;
        border-radius: 50%;
      }
      .send.stop {
        background: var(--text);
        color: var(--surface);
      }
      .hint {
        margin: 6px 0 0;
        text-align: center;
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

  /** True while the chat is busy (a turn runs or the chat is loading): nothing can be sent. */
  @property({ type: Boolean, reflect: true }) busy = false;
  /** True while an answer streams: the stop button shows. */
  @property({ type: Boolean }) answering = false;
  /** True while the stop request is on its way. */
  @property({ type: Boolean }) stopping = false;
  @property({ attribute: false }) models: ModelSummary[] = [];
  /** The id of the model answering this chat. */
  @property() model?: string;
  @property() placeholder = "Message the assistant";

  @state() private _value = "";
  @query("textarea") private _textarea!: HTMLTextAreaElement;

  override focus(): void {
    this._textarea?.focus();
  }

  /** Gives back text that was sent but not accepted, before anything written since, so neither is lost. */
  restore(unsent: string): void {
    this._value = this._value.trim().length === 0 ? unsent : `${unsent}\n\n${this._value}`;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("_value" as keyof MessageComposer)) this._fitHeight();
  }

  override render() {
    const length = this._value.length;
    const over = length > maximumMessageLength;
    const empty = this._value.trim().length === 0;
    const showCount = length >= lengthHintFrom;
    return html`
      <form @submit=${this._onSubmit}>
        <textarea
          rows="1"
          aria-label="Message"
          aria-describedby="hint count"
          aria-invalid=${over ? "true" : "false"}
          placeholder=${this.placeholder}
          .value=${this._value}
          @input=${this._onInput}
          @keydown=${this._onKeyDown}
        ></textarea>
        <div class="toolbar">
          ${
            this.models.length > 1
              ? html`<select aria-label="Model" title="Model" @change=${this._onModelChange}>
                  ${this.models.map(
                    (model) =>
                      html`<option value=${model.id} ?selected=${model.id === this.model}>${modelLabel(model)}</option>`,
                  )}
                </select>`
              : nothing
          }
          <span class="spacer"></span>
          <span id="count" class="count ${over ? "over" : ""}" ?hidden=${!showCount}>
            ${
              over
                ? `${countFormat.format(length - maximumMessageLength)} ${length - maximumMessageLength === 1 ? "character" : "characters"} over the ${countFormat.format(maximumMessageLength)} limit`
                : `${countFormat.format(length)} / ${countFormat.format(maximumMessageLength)}`
            }
          </span>
          ${
            this.answering
              ? html`<button
                  class="send stop"
                  type="button"
                  aria-label="Stop the answer"
                  title="Stop"
                  ?disabled=${this.stopping}
                  @click=${this._onStopClick}
                >
                  ${stopIcon}
                </button>`
              : html`<button
                  class="send primary"
                  type="submit"
                  aria-label="Send message"
                  title="Send"
                  ?disabled=${this.busy || empty || over}
                >
                  ${sendIcon}
                </button>`
          }
        </div>
      </form>
      <p class="hint" id="hint">
        ${this.busy ? "Wait for the answer to finish before sending." : "Enter to send, Shift+Enter for a new line."}
      </p>
    `;
  }

  private _onInput(event: Event): void {
    this._value = (event.target as HTMLTextAreaElement).value;
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

  private _onStopClick(): void {
    this.dispatchEvent(new CustomEvent("answer-stop", { bubbles: true, composed: true }));
  }

  private _onModelChange(event: Event): void {
    const model = (event.target as HTMLSelectElement).value;
    this.dispatchEvent(new CustomEvent("model-change", { detail: { model }, bubbles: true, composed: true }));
  }

  private _send(): void {
    const content = this._value.trim();
    if (this.busy || content.length === 0 || content.length > maximumMessageLength) return;
    this.dispatchEvent(
      new CustomEvent("message-send", { detail: { content }, bubbles: true, composed: true }),
    );
    this._value = "";
  }

  /** Grows the text box with its text, up to 40 % of the window, then it scrolls. */
  private _fitHeight(): void {
    const textarea = this._textarea;
    if (!textarea) return;
    // CSSOM, not a style attribute: allowed under the strict CSP.
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, Math.round(window.innerHeight * maximumHeightRatio))}px`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "message-composer": MessageComposer;
  }
}
