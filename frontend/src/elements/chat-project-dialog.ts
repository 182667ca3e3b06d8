import type { ChatProject, ModelSummary } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { ApiError } from "../api-client.ts";
import { maximumProjectNameLength, maximumSystemPromptLength } from "../api-limits.ts";
import type { ProjectSettings } from "../controllers/chat-projects-controller.ts";
import { baseStyles } from "./base-styles.ts";
import { dialogFormStyles } from "./dialog-form-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";

/**
 * The dialog that creates a project or edits one: its name, its instructions (added to the
 * system prompt of each of its chats) and the model its new chats start with. The native
 * `<dialog>` keeps the focus inside and gives it back where it was on closing.
 *
 * @example
 * const saved = await dialog.edit(project, (settings) => projects.update(project.id, settings));
 */
@customElement("chat-project-dialog")
export class ChatProjectDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    dialogFormStyles,
    css`
      :host {
        --dialog-width: 560px;
      }
    `,
  ];

  @property({ attribute: false }) models: readonly ModelSummary[] = [];

  @state() private _editing: ChatProject | undefined;
  @state() private _name = "";
  @state() private _instructions = "";
  @state() private _model = "";
  @state() private _error = "";
  @state() private _saving = false;
  @query("dialog") private _dialog!: HTMLDialogElement;
  private _save: ((settings: ProjectSettings) => Promise<ChatProject>) | undefined;
  private _done: ((project: ChatProject | undefined) => void) | undefined;

  /** Opens the dialog on `project` (a new one when undefined); resolves with what was saved, or undefined. */
  async edit(
    project: ChatProject | undefined,
    save: (settings: ProjectSettings) => Promise<ChatProject>,
  ): Promise<ChatProject | undefined> {
    this._done?.(undefined);
    this._editing = project;
    this._name = project?.name ?? "";
    this._instructions = project?.instructions ?? "";
    this._model = project?.model ?? "";
    this._error = "";
    this._save = save;
    await this.updateComplete;
    this._dialog.showModal();
    this.renderRoot.querySelector<HTMLInputElement>("input")?.focus();
    return new Promise((resolve) => {
      this._done = resolve;
    });
  }

  override render() {
    const title = this._editing ? "Project settings" : "New project";
    return html`<dialog aria-labelledby="project-title" @close=${this._onClose}>
      <form @submit=${this._onSubmit}>
        <h2 id="project-title">${title}</h2>
        <label
          >Name
          <input
            required
            maxlength=${maximumProjectNameLength}
            .value=${this._name}
            @input=${(event: Event) => (this._name = (event.target as HTMLInputElement).value)}
          />
        </label>
        <label
          >Instructions for every chat of the project
          <textarea
            maxlength=${maximumSystemPromptLength}
            placeholder="For example: you help me plan my garden; answer briefly."
            .value=${this._instructions}
            @input=${(event: Event) => (this._instructions = (event.target as HTMLTextAreaElement).value)}
          ></textarea>
          <span class="count">${this._instructions.length} / ${maximumSystemPromptLength}</span>
        </label>
        <label
          >Default model of new chats
          <select .value=${this._model} @change=${(event: Event) => (this._model = (event.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${this._model === ""}>The app's default</option>
            ${this.models.map(
              (model) =>
                html`<option value=${model.id} ?selected=${model.id === this._model}>${model.displayName}</option>`,
            )}
          </select>
        </label>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
        <div class="actions">
          <button class="ghost" type="button" @click=${() => this._dialog.close()}>Cancel</button>
          <button class="primary" type="submit" ?disabled=${this._saving}>
            ${this._editing ? "Save" : "Create project"}
          </button>
        </div>
      </form>
    </dialog>`;
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const name = this._name.trim();
    if (!name) {
      this._error = "Give the project a name.";
      return;
    }
    this._saving = true;
    this._error = "";
    try {
      const saved = await this._save?.({
        name,
        instructions: this._instructions.trim(),
        ...(this._model ? { model: this._model } : {}),
      });
      this._done?.(saved);
      this._done = undefined;
      this._dialog.close();
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : "The project could not be saved.";
    } finally {
      this._saving = false;
    }
  }

  private _onClose(): void {
    this._done?.(undefined);
    this._done = undefined;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-project-dialog": ChatProjectDialog;
  }
}
