import { css, html, LitElement, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { baseStyles } from "./base-styles.ts";
import { closeIcon, microphoneIcon, stopIcon } from "./icons.ts";

/** Containers the browser may record in, best first; the server accepts each (WebM, Ogg, M4A). */
const recordingTypes = [
  { mimeType: "audio/webm;codecs=opus", extension: "webm" },
  { mimeType: "audio/webm", extension: "webm" },
  { mimeType: "audio/ogg;codecs=opus", extension: "ogg" },
  { mimeType: "audio/mp4", extension: "m4a" },
];

function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/**
 * Records a voice message with MediaRecorder: a level meter while it records, the time so far
 * against the limit (it stops by itself there), Stop to keep the recording, Discard to drop it.
 *
 * @fires voice-recorded - A recording was kept; detail `{ file }` (a File of the recorded audio).
 */
@customElement("voice-recorder")
export class VoiceRecorder extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: inline-flex;
        align-items: center;
        gap: 6px;
      }
      .recording {
        display: inline-flex;
        align-items: center;
        gap: 8px;
        padding: 2px 4px 2px 10px;
        border-radius: 18px;
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 13px;
        font-variant-numeric: tabular-nums;
      }
      meter {
        width: 72px;
        height: 8px;
      }
      .round {
        width: 36px;
        height: 36px;
        padding: 0;
        border-radius: 50%;
      }
      .error {
        font-size: 12px;
        color: var(--danger);
      }
    `,
  ];

  /** The longest recording, in seconds: it stops by itself there. */
  @property({ type: Number, attribute: "max-seconds" }) maxSeconds = 120;
  @property({ type: Boolean }) disabled = false;

  @state() private _recording = false;
  @state() private _elapsed = 0;
  @state() private _level = 0;
  @state() private _error = "";

  private _recorder?: MediaRecorder;
  private _stream?: MediaStream;
  private _audioContext?: AudioContext;
  private _frame = 0;
  private _timer?: ReturnType<typeof setInterval>;
  private _keep = false;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._finish(false);
  }

  override render() {
    if (!this._recording) {
      return html`<button
          class="quiet round"
          type="button"
          aria-label="Record a voice message"
          title="Record a voice message"
          ?disabled=${this.disabled}
          @click=${this._onRecordClick}
        >
          ${microphoneIcon}
        </button>
        ${this._error ? html`<span class="error" role="alert">${this._error}</span>` : nothing}`;
    }
    return html`<span class="recording" role="group" aria-label="Recording">
      <meter min="0" max="1" low="0.15" high="0.8" .value=${this._level} aria-label="Microphone level"></meter>
      <span aria-live="off" class="time">${clock(this._elapsed)} / ${clock(this.maxSeconds)}</span>
      <button class="quiet round" type="button" aria-label="Discard the recording" title="Discard" @click=${this._onDiscardClick}>
        ${closeIcon}
      </button>
      <button class="primary round" type="button" aria-label="Stop recording" title="Stop and keep" @click=${this._onStopClick}>
        ${stopIcon}
      </button>
    </span>`;
  }

  private async _onRecordClick(): Promise<void> {
    this._error = "";
    const type = recordingTypes.find((candidate) => MediaRecorder.isTypeSupported(candidate.mimeType));
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      this._error =
        error instanceof DOMException && error.name === "NotAllowedError"
          ? "The microphone is blocked for this site."
          : "No microphone is available.";
      return;
    }
    const recorder = new MediaRecorder(stream, type ? { mimeType: type.mimeType } : {});
    const chunks: Blob[] = [];
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    });
    recorder.addEventListener("stop", () => {
      if (!this._keep || chunks.length === 0) return;
      const mediaType = recorder.mimeType.split(";")[0] || "audio/webm";
      const extension =
        recordingTypes.find((candidate) => candidate.mimeType.startsWith(mediaType))?.extension ?? "webm";
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "-");
      const file = new File(chunks, `voice-${stamp}.${extension}`, { type: mediaType });
      this.dispatchEvent(
        new CustomEvent("voice-recorded", { detail: { file }, bubbles: true, composed: true }),
      );
    });
    this._stream = stream;
    this._recorder = recorder;
    this._keep = false;
    this._elapsed = 0;
    this._recording = true;
    recorder.start(250);
    this._meter(stream);
    const startedAt = performance.now();
    this._timer = setInterval(() => {
      this._elapsed = (performance.now() - startedAt) / 1000;
      if (this._elapsed >= this.maxSeconds) this._finish(true);
    }, 200);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('button[aria-label="Stop recording"]')?.focus();
  }

  private _onStopClick(): void {
    this._finish(true);
  }

  private _onDiscardClick(): void {
    this._finish(false);
  }

  /** The loudness of the microphone, 0–1, from the signal's RMS, once a frame. */
  private _meter(stream: MediaStream): void {
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const measure = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      this._level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      this._frame = requestAnimationFrame(measure);
    };
    this._audioContext = context;
    measure();
  }

  private _finish(keep: boolean): void {
    this._keep = keep;
    if (this._recorder && this._recorder.state !== "inactive") this._recorder.stop();
    for (const track of this._stream?.getTracks() ?? []) track.stop();
    cancelAnimationFrame(this._frame);
    clearInterval(this._timer);
    void this._audioContext?.close().catch(() => undefined);
    this._recorder = undefined;
    this._stream = undefined;
    this._audioContext = undefined;
    this._recording = false;
    this._level = 0;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "voice-recorder": VoiceRecorder;
  }
}
