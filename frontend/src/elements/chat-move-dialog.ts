import type { Chat, ChatProject } from "@chat/contracts";
import { html, LitElement } from "lit";
import { customElement, query, state } from "lit/decorators.js";
import { baseStyles } from "./base-styles.ts";
import { dialogFormStyles } from "./dialog-form-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";

/**
 * "Move to project…": picks the project a chat goes into, or none.
 *
 * @example
 * const projectId = await dialog.ask(chat, projects); // null: no project; undefined: cancelled
 */
@customElement("chat-move-dialog")
export class ChatMoveDialog extends LitElement {
  static override styles = [baseStyles, dialogStyles, dialogFormStyles];

  @state() private _chat: Chat | undefined;
  @state() private _projects: readonly ChatProject[] = [];
  @state() private _choice = "";
  @query("dialog") private _dialog!: HTMLDialogElement;
  private _answer: ((projectId: string | null | undefined) => void) | undefined;

  async ask(chat: Chat, projects: readonly ChatProject[]): Promise<string | null | undefined> {
    this._answer?.(undefined);
    this._chat = chat;
    this._projects = projects;
    this._choice = chat.projectId ?? "";
    await this.updateComplete;
    this._dialog.showModal();
    this.renderRoot.querySelector<HTMLSelectElement>("select")?.focus();
    return new Promise((resolve) => {
      this._answer = resolve;
    });
  }

  override render() {
    return html`<dialog aria-labelledby="move-title" @close=${this._onClose}>
      <form @submit=${this._onSubmit}>
        <h2 id="move-title">Move “${this._chat?.title || "Untitled chat"}”</h2>
        <label
          >Project
          <select .value=${this._choice} @change=${(event: Event) => (this._choice = (event.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${this._choice === ""}>No project</option>
            ${this._projects.map(
              (project) =>
                html`<option value=${project.id} ?selected=${project.id === this._choice}>${project.name}</option>`,
            )}
          </select>
        </label>
        <div class="actions">
          <button class="ghost" type="button" @click=${() => this._dialog.close()}>Cancel</button>
          <button class="primary" type="submit">Move</button>
        </div>
      </form>
    </dialog>`;
  }

  private _onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    this._answer?.(this._choice || null);
    this._answer = undefined;
    this._dialog.close();
  }

  private _onClose(): void {
    this._answer?.(undefined);
    this._answer = undefined;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-move-dialog": ChatMoveDialog;
  }
}
