import type { Chat, ModelSummary } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { live } from "lit/directives/live.js";
import { ApiError, apiClient } from "../api-client.ts";
import { maximumSystemPromptLength, maximumTemperature } from "../api-limits.ts";
import { baseStyles } from "./base-styles.ts";
import { dialogFormStyles } from "./dialog-form-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";
import { slidersIcon } from "./icons.ts";

/**
 * The chat's settings button and dialog: its instructions (the system prompt sent before every
 * message), the model that answers it and its temperature (a slider and a number kept equal, or the
 * model's default), and links that download the chat. Saving updates every device of the user
 * (`chat_updated`); an empty prompt clears it.
 *
 * @fires chat-updated - `{ chat }`, the chat as saved
 */
@customElement("chat-settings-dialog")
export class ChatSettingsDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    dialogFormStyles,
    css`
      :host {
        --dialog-width: 560px;
      }
      h2 {
        margin: 0 0 12px;
        font-size: 17px;
      }
      textarea {
        min-height: 140px;
      }
      fieldset {
        display: grid;
        gap: 8px;
        margin: 0 0 14px;
        padding: 10px 12px;
        border: 1px solid var(--border-strong);
        border-radius: 8px;
        font-size: 13px;
        color: var(--text-muted);
      }
      fieldset label {
        margin: 0;
      }
      .default-choice {
        display: flex;
        align-items: center;
        gap: 6px;
      }
      .temperature {
        display: grid;
        grid-template-columns: 1fr 80px;
        gap: 10px;
        align-items: center;
      }
      .temperature input[type="number"] {
        font: inherit;
        font-size: 14px;
        padding: 4px 6px;
        border: 1px solid var(--border-strong);
        border-radius: 6px;
        background: var(--surface);
        color: var(--text);
      }
      .hint {
        margin: 0;
      }
      .export {
        margin: 0 0 14px;
        font-size: 13px;
        color: var(--text-muted);
      }
      .export a {
        color: var(--accent);
      }
    `,
  ];

  @property({ attribute: false }) chat?: Chat;
  @property({ attribute: false }) models: readonly ModelSummary[] = [];

  @state() private _prompt = "";
  @state() private _model = "";
  /** null: the model's default. */
  @state() private _temperature: number | null = null;
  @state() private _error = "";
  @state() private _saving = false;
  @query("dialog") private _dialog!: HTMLDialogElement;

  override render() {
    return html`
      <button class="quiet" type="button" aria-haspopup="dialog" aria-label="Chat settings" @click=${this._open}>
        ${slidersIcon}<span class="wide-only">Chat settings</span>
      </button>
      <dialog aria-labelledby="chat-settings-title">
        <form @submit=${this._onSave}>
          <h2 id="chat-settings-title">Chat settings</h2>
          <label
            >Instructions for the model (system prompt)
            <textarea
              maxlength=${maximumSystemPromptLength}
              placeholder="For example: answer in French, briefly."
              .value=${this._prompt}
              @input=${(event: Event) => (this._prompt = (event.target as HTMLTextAreaElement).value)}
            ></textarea>
            <span class="count">${this._prompt.length} / ${maximumSystemPromptLength}</span>
          </label>
          <label
            >Model
            <select .value=${this._model} @change=${(event: Event) => (this._model = (event.target as HTMLSelectElement).value)}>
              ${this.models.map(
                (model) =>
                  html`<option value=${model.id} ?selected=${model.id === this._model}>${model.displayName}</option>`,
              )}
            </select>
          </label>
          ${this._renderTemperature()}
          ${this._renderExport()}
          ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
          <div class="actions">
            <button class="ghost" type="button" @click=${() => this._dialog.close()}>Cancel</button>
            <button class="primary" type="submit" ?disabled=${this._saving}>Save</button>
          </div>
        </form>
      </dialog>
    `;
  }

  /** Downloads of the chat as it is stored: Markdown of the path shown, or JSON with every version. */
  private _renderExport() {
    if (!this.chat) return nothing;
    const exportPath = `/api/chats/${encodeURIComponent(this.chat.id)}/export`;
    return html`<p class="export">
      Export this chat:
      <a href=${`${exportPath}?format=markdown`} download>Markdown</a> ·
      <a href=${`${exportPath}?format=json`} download>JSON, every version</a>
    </p>`;
  }

  private _renderTemperature() {
    const usesDefault = this._temperature === null;
    const value = this._temperature ?? 1;
    const provider = this.models.find((model) => model.id === this._model)?.provider;
    return html`
      <fieldset>
        <legend>Temperature</legend>
        <label class="default-choice">
          <input type="checkbox" .checked=${usesDefault} @change=${this._onDefaultChange} />
          The model's default
        </label>
        <div class="temperature">
          <input
            type="range"
            aria-label="Temperature"
            min="0"
            max=${maximumTemperature}
            step="0.1"
            .value=${live(String(value))}
            ?disabled=${usesDefault}
            @input=${this._onTemperatureInput}
          />
          <input
            type="number"
            aria-label="Temperature value"
            min="0"
            max=${maximumTemperature}
            step="0.1"
            .value=${live(String(value))}
            ?disabled=${usesDefault}
            @change=${this._onTemperatureInput}
          />
        </div>
        <p class="hint">
          Lower is steadier, higher more varied.${
            provider === "anthropic" ? " This model takes at most 1: a higher temperature is sent as 1." : ""
          }
        </p>
      </fieldset>
    `;
  }

  private _onDefaultChange(event: Event): void {
    this._temperature = (event.target as HTMLInputElement).checked ? null : 1;
  }

  private _onTemperatureInput(event: Event): void {
    const typed = (event.target as HTMLInputElement).valueAsNumber;
    // An empty or half-typed number keeps the last valid one, and a typed 3 is 2: rendered again
    // either way, so both fields show the value kept.
    if (!Number.isNaN(typed)) this._temperature = Math.min(Math.max(typed, 0), maximumTemperature);
    this.requestUpdate();
  }

  private _open(): void {
    this._prompt = this.chat?.systemPrompt ?? "";
    this._model = this.chat?.model ?? "";
    this._temperature = this.chat?.temperature ?? null;
    this._error = "";
    this._dialog.showModal();
  }

  private async _onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const chat = this.chat;
    if (!chat) return;
    this._saving = true;
    this._error = "";
    try {
      const updated = await apiClient.updateChatSettings(chat.id, {
        systemPrompt: this._prompt.trim(),
        ...(this._model && this._model !== chat.model ? { model: this._model } : {}),
        ...(this._temperature !== (chat.temperature ?? null) ? { temperature: this._temperature } : {}),
      });
      this.dispatchEvent(
        new CustomEvent("chat-updated", { detail: { chat: updated }, bubbles: true, composed: true }),
      );
      this._dialog.close();
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : "The settings could not be saved.";
    } finally {
      this._saving = false;
    }
  }
}
