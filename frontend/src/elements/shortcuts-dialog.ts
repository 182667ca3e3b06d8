import { css, html, LitElement } from "lit";
import { customElement, query } from "lit/decorators.js";
import { baseStyles } from "./base-styles.ts";
import { dialogStyles } from "./dialog-styles.ts";

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? "⌘" : "Ctrl";

/** Every keyboard shortcut of the app, as the dialog lists it. */
export const shortcuts: ReadonlyArray<{ keys: string[]; what: string }> = [
  { keys: ["?"], what: "Show this list" },
  { keys: [mod, "Shift", "O"], what: "New chat" },
  { keys: [mod, "K"], what: "Search chats" },
  { keys: ["Shift", "Esc"], what: "Go to the message box" },
  { keys: ["Enter"], what: "Send the message" },
  { keys: ["Shift", "Enter"], what: "New line in the message" },
  { keys: ["F2"], what: "Rename the chat in focus in the list" },
  { keys: ["Esc"], what: "Clear the search, close a dialog or the chat list" },
  { keys: ["Page Up"], what: "Scroll the messages up (once they have the focus: Tab to them)" },
  { keys: ["Page Down"], what: "Scroll the messages down" },
];

/** The keyboard shortcuts, in a modal dialog the `?` key opens. */
@customElement("shortcuts-dialog")
export class ShortcutsDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      :host {
        --dialog-width: 460px;
      }
      h2 {
        margin: 0 0 12px;
        font-size: 17px;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 14px;
        margin-bottom: 14px;
      }
      td {
        padding: 5px 0;
        border-bottom: 1px solid var(--border);
      }
      td:first-child {
        white-space: nowrap;
        padding-right: 16px;
      }
      kbd {
        font-family: var(--font-code);
        font-size: 12px;
        padding: 1px 6px;
        border: 1px solid var(--border-strong);
        border-radius: 5px;
        background: var(--surface-muted);
      }
    `,
  ];

  @query("dialog") private _dialog!: HTMLDialogElement;

  open(): void {
    if (!this._dialog.open) this._dialog.showModal();
  }

  override render() {
    return html`<dialog aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          ${shortcuts.map(
            (shortcut) => html`<tr>
              <td>${shortcut.keys.map((key, index) => html`${index > 0 ? " + " : ""}<kbd>${key}</kbd>`)}</td>
              <td>${shortcut.what}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <div class="actions">
        <button class="primary" type="button" @click=${() => this._dialog.close()}>Close</button>
      </div>
    </dialog>`;
  }
}
