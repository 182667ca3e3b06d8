import type { MessageAttachment, ModelSummary, SpeechSettings } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { apiClient } from "../api-client.ts";
import { maximumMessageLength } from "../api-limits.ts";
import { AttachmentUploadController } from "../controllers/attachment-upload-controller.ts";
import { speechSettings } from "../speech/speech-settings.ts";
import "./attachment-tray.ts";
import { baseStyles } from "./base-styles.ts";
import "./dictation-button.ts";
import { cameraIcon, paperclipIcon, sendIcon, stopIcon } from "./icons.ts";
import "./voice-recorder.ts";

/** What the file picker offers: the types the server accepts (it decides from the bytes). */
const acceptedFiles =
  "image/png,image/jpeg,image/webp,image/gif,application/pdf,audio/*,.txt,.md,.csv,.json,.ts,.js,.py,.html,.css,.sql,.yaml,.yml,.xml,.log";

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
 * Files come by the attach button (on phones also the camera), by dropping them on the composer
 * or by pasting; each uploads at once, with its progress and a cancel button, in the tray above
 * the text. The microphone records a voice message, uploaded as a file and transcribed into the
 * text for the user to correct (a speech server), or dictates with the browser's own recognition
 * (none); without either it is not shown.
 *
 * @fires message-send - The user sent a message; detail `{ content, attachments }`.
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
        min-width: 0;
        text-overflow: ellipsis;
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
        flex: none;
        width: 36px;
        height: 36px;
        padding: 0;
        border-radius: 50%;
      }
      .send.stop {
        background: var(--text);
        color: var(--surface);
      }
      form.dragging {
        border-style: dashed;
        border-color: var(--accent);
        background: var(--surface-muted);
      }
      .tool {
        width: 36px;
        height: 36px;
        padding: 0;
        border-radius: 50%;
      }
      .voice-status {
        font-size: 12px;
        color: var(--text-muted);
      }
      .voice-status.error {
        color: var(--danger);
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
  @state() private _dragging = false;
  @state() private _speech?: SpeechSettings;
  /** Where a recording is on its way into the text. */
  @state() private _voiceStep?: "uploading" | "transcribing";
  @state() private _voiceError = "";
  @query("textarea") private _textarea!: HTMLTextAreaElement;
  private readonly _uploads = new AttachmentUploadController(this);
  /** Phones and tablets: a camera button of its own. */
  private readonly _coarsePointer = matchMedia("(pointer: coarse)").matches;

  override connectedCallback(): void {
    super.connectedCallback();
    void speechSettings().then((settings) => {
      this._speech = settings;
    });
  }

  override focus(): void {
    this._textarea?.focus();
  }

  /** Gives back text that was sent but not accepted, before anything written since, so neither is lost. */
  restore(unsent: string, attachments: readonly MessageAttachment[] = []): void {
    this._value = this._value.trim().length === 0 ? unsent : `${unsent}\n\n${this._value}`;
    this._uploads.restore(attachments);
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("_value" as keyof MessageComposer)) this._fitHeight();
  }

  override render() {
    const length = this._value.length;
    const over = length > maximumMessageLength;
    const empty = this._value.trim().length === 0 && !this._uploads.hasUploaded;
    const showCount = length >= lengthHintFrom;
    const uploading = this._uploads.uploading;
    return html`
      <form
        class=${this._dragging ? "dragging" : ""}
        @submit=${this._onSubmit}
        @dragenter=${this._onDragOver}
        @dragover=${this._onDragOver}
        @dragleave=${this._onDragLeave}
        @drop=${this._onDrop}
      >
        <attachment-tray .items=${this._uploads.pending} @attachment-remove=${this._onAttachmentRemove}></attachment-tray>
        ${this._uploads.notice ? html`<p class="voice-status error" role="alert">${this._uploads.notice}</p>` : nothing}
        <textarea
          rows="1"
          aria-label="Message"
          aria-describedby="hint count"
          aria-invalid=${over ? "true" : "false"}
          placeholder=${this.placeholder}
          .value=${this._value}
          @input=${this._onInput}
          @keydown=${this._onKeyDown}
          @paste=${this._onPaste}
        ></textarea>
        <div class="toolbar">
          <button class="quiet tool" type="button" aria-label="Attach files" title="Attach files" @click=${this._onAttachClick}>
            ${paperclipIcon}
          </button>
          <input class="visually-hidden" id="files"
            aria-label="Files to attach" type="file" multiple accept=${acceptedFiles} tabindex="-1" aria-hidden="true" @change=${this._onFilesChosen} />
          ${
            this._coarsePointer
              ? html`<button class="quiet tool" type="button" aria-label="Take a photo" title="Take a photo" @click=${this._onCameraClick}>
                    ${cameraIcon}
                  </button>
                  <input class="visually-hidden" id="camera"
                    aria-label="A photo from the camera" type="file" accept="image/*" capture="environment" tabindex="-1" aria-hidden="true" @change=${this._onFilesChosen} />`
              : nothing
          }
          ${
            this._speech?.transcription && typeof MediaRecorder !== "undefined"
              ? html`<voice-recorder ?disabled=${this._voiceStep !== undefined} @voice-recorded=${this._onVoiceRecorded}></voice-recorder>`
              : this._speech
                ? html`<dictation-button @dictation-text=${this._onDictationText}></dictation-button>`
                : nothing
          }
          ${
            this._voiceStep
              ? html`<span class="voice-status" role="status">
                  ${this._voiceStep === "uploading" ? "Uploading the recording…" : "Transcribing…"}
                </span>`
              : nothing
          }
          ${
            this._voiceError
              ? html`<span class="voice-status error" role="alert">${this._voiceError}</span>`
              : nothing
          }
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
                  ?disabled=${this.busy || empty || over || uploading}
                >
                  ${sendIcon}
                </button>`
          }
        </div>
      </form>
      <p class="hint" id="hint">
        ${
          this.busy
            ? "Wait for the answer to finish before sending."
            : uploading
              ? "Wait for the files to upload before sending."
              : "Enter to send, Shift+Enter for a new line."
        }
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
    const nothingToSend = content.length === 0 && !this._uploads.hasUploaded;
    if (this.busy || this._uploads.uploading || nothingToSend || content.length > maximumMessageLength)
      return;
    const attachments = this._uploads.take();
    this.dispatchEvent(
      new CustomEvent("message-send", { detail: { content, attachments }, bubbles: true, composed: true }),
    );
    this._value = "";
    this._voiceError = "";
  }

  private _onAttachClick(): void {
    this.renderRoot.querySelector<HTMLInputElement>("#files")?.click();
  }

  private _onCameraClick(): void {
    this.renderRoot.querySelector<HTMLInputElement>("#camera")?.click();
  }

  private _onFilesChosen(event: Event): void {
    const input = event.target as HTMLInputElement;
    if (input.files) this._uploads.add(input.files);
    input.value = "";
  }

  private _onDragOver(event: DragEvent): void {
    if (!event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    this._dragging = true;
  }

  private _onDragLeave(event: DragEvent): void {
    const form = event.currentTarget as HTMLElement;
    if (!(event.relatedTarget instanceof Node) || !form.contains(event.relatedTarget)) this._dragging = false;
  }

  private _onDrop(event: DragEvent): void {
    this._dragging = false;
    const files = event.dataTransfer?.files;
    if (!files || files.length === 0) return;
    event.preventDefault();
    this._uploads.add(files);
  }

  private _onPaste(event: ClipboardEvent): void {
    const files = event.clipboardData?.files;
    if (!files || files.length === 0) return;
    event.preventDefault();
    this._uploads.add(files);
  }

  private _onAttachmentRemove(event: CustomEvent<{ key: string }>): void {
    this._uploads.remove(event.detail.key);
    this.focus();
  }

  /** The recording goes up as an attachment, and its transcription into the text, to correct before sending. */
  private async _onVoiceRecorded(event: CustomEvent<{ file: File }>): Promise<void> {
    const [uploaded] = this._uploads.add([event.detail.file], { voice: true });
    this._voiceError = "";
    this._voiceStep = "uploading";
    const attachment = await uploaded;
    if (!attachment) {
      this._voiceStep = undefined;
      return;
    }
    this._voiceStep = "transcribing";
    try {
      const { text } = await apiClient.transcribe(attachment.id);
      this._insertText(text);
      if (!text) this._voiceError = "No words were heard in the recording.";
    } catch (error) {
      const reason = error instanceof Error ? error.message : "unknown error";
      this._voiceError = `The recording could not be transcribed: ${reason}`;
    } finally {
      this._voiceStep = undefined;
    }
  }

  private _onDictationText(event: CustomEvent<{ text: string }>): void {
    this._insertText(event.detail.text);
  }

  /** Adds text after what is written, and puts the cursor at its end. */
  private _insertText(text: string): void {
    if (!text) return;
    this._value = this._value.trim().length === 0 ? text : `${this._value.trimEnd()} ${text}`;
    void this.updateComplete.then(() => {
      const textarea = this._textarea;
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    });
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
