import type { User } from "@chat/contracts";
import { css, html, LitElement } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import { baseStyles } from "../elements/base-styles.ts";
import { dialogStyles } from "../elements/dialog-styles.ts";
import "./account-panel.ts";
import "./api-keys-panel.ts";
import "./data-panel.ts";
import "./usage-panel.ts";

const tabs = [
  { id: "account", label: "Account" },
  { id: "keys", label: "API keys" },
  { id: "usage", label: "Usage" },
  { id: "data", label: "Data" },
] as const;
type TabId = (typeof tabs)[number]["id"];

/**
 * The settings of the signed-in user in one modal dialog with tabs (arrow keys move between
 * them): account, API keys, usage, data (export and import). `open()` shows it; Escape or Close ends it.
 */
@customElement("settings-dialog")
export class SettingsDialog extends LitElement {
  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      dialog {
        --dialog-width: 720px;
        max-height: calc(100vh - 48px);
        padding: 0;
      }
      header {
        display: flex;
        justify-content: space-between;
        align-items: center;
        padding: 16px 20px 0;
      }
      h2 {
        margin: 0;
        font-size: 18px;
      }
      [role="tablist"] {
        display: flex;
        gap: 4px;
        padding: 10px 20px 0;
        border-bottom: 1px solid var(--border);
        overflow-x: auto;
      }
      [role="tab"] {
        flex: none;
        border-radius: 8px 8px 0 0;
        border-bottom: 2px solid transparent;
        white-space: nowrap;
      }
      @media (max-width: 420px) {
        [role="tablist"] {
          padding-inline: 8px;
        }
        [role="tab"] {
          padding-inline: 10px;
        }
      }
      [role="tab"][aria-selected="true"] {
        border-bottom-color: var(--accent);
        color: var(--accent-strong);
      }
      [role="tabpanel"] {
        padding: 18px 20px;
        overflow: auto;
        max-height: calc(100vh - 180px);
      }
    `,
  ];

  @property({ attribute: false }) user?: User;
  @state() private _tab: TabId = "account";
  @query("dialog") private _dialog!: HTMLDialogElement;

  /** Shows the dialog on `tab`. */
  open(tab: TabId = "account"): void {
    this._tab = tab;
    this._dialog.showModal();
  }

  close(): void {
    this._dialog.close();
  }

  override render() {
    return html`<dialog aria-labelledby="settings-title">
      <header>
        <h2 id="settings-title">Settings</h2>
        <button class="ghost" type="button" @click=${this.close}>Close</button>
      </header>
      <div role="tablist" aria-label="Settings" @keydown=${this._onTabKey}>
        ${tabs.map(
          (tab) => html`<button
            role="tab"
            class="quiet"
            type="button"
            id=${`tab-${tab.id}`}
            aria-controls="panel"
            aria-selected=${this._tab === tab.id ? "true" : "false"}
            tabindex=${this._tab === tab.id ? "0" : "-1"}
            @click=${() => (this._tab = tab.id)}
          >
            ${tab.label}
          </button>`,
        )}
      </div>
      <div role="tabpanel" id="panel" aria-labelledby=${`tab-${this._tab}`} tabindex="0">
        ${this._renderPanel()}
      </div>
    </dialog>`;
  }

  private _renderPanel() {
    switch (this._tab) {
      case "account":
        return html`<account-panel .user=${this.user} @signed-out=${this.close}></account-panel>`;
      case "keys":
        return html`<api-keys-panel></api-keys-panel>`;
      case "usage":
        return html`<usage-panel></usage-panel>`;
      case "data":
        return html`<data-panel></data-panel>`;
    }
  }

  private async _onTabKey(event: KeyboardEvent): Promise<void> {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const index = tabs.findIndex((tab) => tab.id === this._tab);
    this._tab = tabs[(index + step + tabs.length) % tabs.length]?.id ?? "account";
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>(`#tab-${this._tab}`)?.focus();
  }
}
