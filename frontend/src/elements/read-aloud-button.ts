import { css, html, LitElement, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { apiClient } from "../api-client.ts";
import { browserSpeechSynthesis } from "../speech/browser-speech.ts";
import { speakableText } from "../speech/speakable-text.ts";
import { speechSettings } from "../speech/speech-settings.ts";
import { baseStyles } from "./base-styles.ts";
import { speakerIcon, stopIcon } from "./icons.ts";

/** The one answer being read aloud in the page, so that starting another stops it. */
let reading: ReadAloudButton | undefined;

/**
 * Reads a text (an answer's markdown) aloud: through the server's speech server when it has one
 * (`POST /api/speech`, played from a `blob:` URL), else with the browser's speech synthesis; it
 * renders nothing when neither exists.
 */
@customElement("read-aloud-button")
export class ReadAloudButton extends LitElement {
  static override styles = [
    baseStyles,
    css`
      button {
        padding: 4px 8px;
        font-size: 12px;
        font-weight: 500;
        color: var(--text-muted);
      }
      button svg.icon {
        width: 14px;
        height: 14px;
      }
      .error {
        font-size: 12px;
        color: var(--danger);
      }
    `,
  ];

  /** The markdown to read. */
  @property() text = "";
  @state() private _mode: "server" | "browser" | "none" = "none";
  @state() private _state: "idle" | "loading" | "playing" = "idle";
  @state() private _error = "";
  private _audio?: HTMLAudioElement;
  private _abort?: AbortController;

  override connectedCallback(): void {
    super.connectedCallback();
    void speechSettings().then((settings) => {
      this._mode = settings.speech ? "server" : browserSpeechSynthesis() ? "browser" : "none";
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  /** Stops reading, whatever stage it is at. */
  stop(): void {
    this._abort?.abort();
    this._abort = undefined;
    if (this._audio) {
      this._audio.pause();
      URL.revokeObjectURL(this._audio.src);
      this._audio = undefined;
    }
    if (this._mode === "browser" && this._state !== "idle") browserSpeechSynthesis()?.cancel();
    if (reading === this) reading = undefined;
    this._state = "idle";
  }

  override render() {
    if (this._mode === "none") return nothing;
    const active = this._state !== "idle";
    return html`<button
        class="quiet"
        type="button"
        aria-pressed=${active ? "true" : "false"}
        ?disabled=${this._state === "loading"}
        @click=${this._onClick}
      >
        ${active ? stopIcon : speakerIcon} ${this._state === "loading" ? "Loading…" : active ? "Stop reading" : "Read aloud"}
      </button>
      ${this._error ? html`<span class="error" role="alert">${this._error}</span>` : nothing}`;
  }

  private async _onClick(): Promise<void> {
    if (this._state !== "idle") {
      this.stop();
      return;
    }
    reading?.stop();
    reading = this;
    this._error = "";
    const text = speakableText(this.text);
    if (this._mode === "browser") {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.addEventListener("end", () => this.stop());
      this._state = "playing";
      browserSpeechSynthesis()?.speak(utterance);
      return;
    }
    this._state = "loading";
    const abort = new AbortController();
    this._abort = abort;
    try {
      const settings = await speechSettings();
      const audio = new Audio(
        URL.createObjectURL(await apiClient.speak(text.slice(0, settings.maxChars), abort.signal)),
      );
      if (abort.signal.aborted) return;
      this._audio = audio;
      audio.addEventListener("ended", () => this.stop());
      this._state = "playing";
      await audio.play();
    } catch (error) {
      if (abort.signal.aborted) return;
      this.stop();
      this._error = error instanceof Error ? error.message : "It could not be read aloud.";
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "read-aloud-button": ReadAloudButton;
  }
}
