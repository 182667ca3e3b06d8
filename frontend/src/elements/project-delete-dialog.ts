import type { ChatProject } from "@chat/contracts";
import { html, LitElement } from "lit";
import { customElement, query, state } from "lit/decorators.js";
import { baseStyles } from "./base-styles.ts";
import { dialogFormStyles } from "./dialog-form-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";

/** What the user chose for a project's chats: keep them (in no project) or delete them too. */
export type ProjectDeletion = "keep-chats" | "delete-chats";

/**
 * Asks how to delete a project: "Keep its chats?" with Keep chats, Delete all and Cancel (which
 * has the focus first; Escape cancels too).
 *
 * @example
 * const choice = await dialog.ask(project); // undefined when cancelled
 */
@customElement("project-delete-dialog")
export class ProjectDeleteDialog extends LitElement {
  static override styles = [baseStyles, dialogStyles, dialogFormStyles];

  @state() private _project: ChatProject | undefined;
  @query("dialog") private _dialog!: HTMLDialogElement;
  private _answer: ((choice: ProjectDeletion | undefined) => void) | undefined;

  async ask(project: ChatProject): Promise<ProjectDeletion | undefined> {
    this._answer?.(undefined);
    this._project = project;
    await this.updateComplete;
    this._dialog.showModal();
    this.renderRoot.querySelector<HTMLButtonElement>("button.cancel")?.focus();
    return new Promise((resolve) => {
      this._answer = resolve;
    });
  }

  override render() {
    return html`<dialog aria-labelledby="delete-title" aria-describedby="delete-body" @close=${this._onClose}>
      <h2 id="delete-title">Delete “${this._project?.name}”?</h2>
      <p id="delete-body">
        Keep its chats? Kept chats stay in your list, in no project. Deleted ones go with all their messages;
        this cannot be undone.
      </p>
      <div class="actions">
        <button class="ghost cancel" type="button" @click=${() => this._dialog.close("")}>Cancel</button>
        <button class="ghost" type="button" @click=${() => this._dialog.close("keep-chats")}>Keep chats</button>
        <button class="danger" type="button" @click=${() => this._dialog.close("delete-chats")}>Delete all</button>
      </div>
    </dialog>`;
  }

  private _onClose(): void {
    const choice = this._dialog.returnValue;
    this._dialog.returnValue = "";
    this._answer?.(choice === "keep-chats" || choice === "delete-chats" ? choice : undefined);
    this._answer = undefined;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "project-delete-dialog": ProjectDeleteDialog;
  }
}
