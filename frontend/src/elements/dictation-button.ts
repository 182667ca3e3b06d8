import { css, html, LitElement, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { type BrowserSpeechRecognition, browserSpeechRecognition } from "../speech/browser-speech.ts";
import { baseStyles } from "./base-styles.ts";
import { microphoneIcon, stopIcon } from "./icons.ts";

/**
 * Dictation with the browser's own speech recognition, for a server with no speech server; it
 * renders nothing in a browser that has none.
 *
 * @fires dictation-text - Words were recognised for good; detail `{ text }`.
 */
@customElement("dictation-button")
export class DictationButton extends LitElement {
  static override styles = [
    baseStyles,
    css`
      button {
        width: 36px;
        height: 36px;
        padding: 0;
        border-radius: 50%;
      }
      button[aria-pressed="true"] {
        background: var(--danger-soft);
        color: var(--danger);
      }
    `,
  ];

  @property({ type: Boolean }) disabled = false;
  @state() private _listening = false;
  private _recognition?: BrowserSpeechRecognition;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._recognition?.abort();
  }

  override render() {
    if (!browserSpeechRecognition()) return nothing;
    return html`<button
      class="quiet"
      type="button"
      aria-pressed=${this._listening ? "true" : "false"}
      aria-label=${this._listening ? "Stop dictation" : "Dictate a message"}
      title=${this._listening ? "Stop dictation" : "Dictate (your browser's speech recognition)"}
      ?disabled=${this.disabled}
      @click=${this._onClick}
    >
      ${this._listening ? stopIcon : microphoneIcon}
    </button>`;
  }

  private _onClick(): void {
    if (this._recognition) {
      this._recognition.stop();
      return;
    }
    const Recognition = browserSpeechRecognition();
    if (!Recognition) return;
    const recognition = new Recognition();
    recognition.lang = document.documentElement.lang || navigator.language;
    recognition.interimResults = false;
    recognition.continuous = true;
    recognition.onresult = (event) => {
      for (let index = event.resultIndex; index < event.results.length; index++) {
        const result = event.results[index];
        const text = result?.[0]?.transcript.trim();
        if (result?.isFinal && text) {
          this.dispatchEvent(
            new CustomEvent("dictation-text", { detail: { text }, bubbles: true, composed: true }),
          );
        }
      }
    };
    recognition.onend = () => {
      this._recognition = undefined;
      this._listening = false;
    };
    recognition.onerror = () => recognition.abort();
    this._recognition = recognition;
    this._listening = true;
    recognition.start();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "dictation-button": DictationButton;
  }
}
