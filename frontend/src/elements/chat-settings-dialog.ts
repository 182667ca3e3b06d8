import type { Chat, ModelSummary } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { ApiError, apiClient } from "../api-client.ts";
import { maximumSystemPromptLength } from "../api-limits.ts";
import { baseStyles } from "./base-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";

/**
 * The chat's settings button and dialog: its instructions (the system prompt sent before every
 * message) and the model that answers it. Saving updates every device of the user
 * (`chat_updated`); an empty prompt clears it.
 */
@customElement("chat-settings-dialog")
export class ChatSettingsDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      :host {
        --dialog-width: 560px;
      }
      h2 {
        margin: 0 0 12px;
        font-size: 17px;
      }
      label {
        display: grid;
        gap: 4px;
        margin-bottom: 14px;
        font-size: 13px;
        color: var(--text-muted);
      }
      textarea,
      select {
        font: inherit;
        font-size: 14px;
        padding: 8px 10px;
        border: 1px solid var(--border-strong);
        border-radius: 8px;
        background: var(--surface);
        color: var(--text);
      }
      textarea {
        min-height: 140px;
        resize: vertical;
      }
      .count {
        justify-self: end;
      }
      .error {
        color: var(--danger);
        font-size: 14px;
      }
    `,
  ];

  @property({ attribute: false }) chat?: Chat;
  @property({ attribute: false }) models: readonly ModelSummary[] = [];

  @state() private _prompt = "";
  @state() private _model = "";
  @state() private _error = "";
  @state() private _saving = false;
  @query("dialog") private _dialog!: HTMLDialogElement;

  override render() {
    return html`
      <button class="quiet" type="button" aria-haspopup="dialog" @click=${this._open}>Chat settings</button>
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
          ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
          <div class="actions">
            <button class="ghost" type="button" @click=${() => this._dialog.close()}>Cancel</button>
            <button class="primary" type="submit" ?disabled=${this._saving}>Save</button>
          </div>
        </form>
      </dialog>
    `;
  }

  private _open(): void {
    this._prompt = this.chat?.systemPrompt ?? "";
    this._model = this.chat?.model ?? "";
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
