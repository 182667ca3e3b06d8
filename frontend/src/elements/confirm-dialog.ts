import { css, html, LitElement } from "lit";
import { customElement, query, state } from "lit/decorators.js";
import { baseStyles } from "./base-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
}

/**
 * A modal question with Cancel and a destructive confirm button (the native `<dialog>`: focus
 * stays inside, Escape cancels, focus goes back where it was). Cancel has the focus first.
 *
 * @example
 * if (await dialog.ask({ title: "Delete chat?", body: "…", confirmLabel: "Delete" })) remove();
 */
@customElement("confirm-dialog")
export class ConfirmDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      h2 {
        margin: 0 0 8px;
        font-size: 17px;
        font-weight: 650;
      }
      p {
        margin: 0 0 20px;
        color: var(--text-muted);
        font-size: 14px;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @state() private _request: ConfirmRequest | undefined;
  @query("dialog") private _dialog!: HTMLDialogElement;
  private _answer: ((confirmed: boolean) => void) | undefined;

  /** Shows the question; resolves true on confirm, false on cancel or Escape. */
  async ask(request: ConfirmRequest): Promise<boolean> {
    this._answer?.(false);
    this._request = request;
    await this.updateComplete;
    this._dialog.showModal();
    this.renderRoot.querySelector<HTMLButtonElement>("button.cancel")?.focus();
    return new Promise((resolve) => {
      this._answer = resolve;
    });
  }

  override render() {
    const request = this._request;
    return html`<dialog aria-labelledby="title" aria-describedby="body" @close=${this._onClose}>
      <h2 id="title">${request?.title}</h2>
      <p id="body">${request?.body}</p>
      <div class="actions">
        <button class="ghost cancel" type="button" @click=${this._onCancelClick}>Cancel</button>
        <button class="danger" type="button" @click=${this._onConfirmClick}>${request?.confirmLabel ?? "Confirm"}</button>
      </div>
    </dialog>`;
  }

  private _onCancelClick(): void {
    this._dialog.close("cancel");
  }

  private _onConfirmClick(): void {
    this._dialog.close("confirm");
  }

  private _onClose(): void {
    const confirmed = this._dialog.returnValue === "confirm";
    this._dialog.returnValue = "";
    this._answer?.(confirmed);
    this._answer = undefined;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "confirm-dialog": ConfirmDialog;
  }
}
