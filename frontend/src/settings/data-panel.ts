import type { ImportReport } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { apiClient } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { problemOf, settingsStyles } from "./settings-styles.ts";

/**
 * The user's data: download every chat (JSON, every branch), and import a file of chats (an
 * export of this app or ChatGPT's `conversations.json`), with the report of what came in.
 */
@customElement("data-panel")
export class DataPanel extends LitElement {
  static override styles = [baseStyles, settingsStyles];

  @state() private _report: ImportReport | undefined;
  @state() private _error = "";
  @state() private _busy = false;

  override render() {
    const report = this._report;
    return html`
      <section aria-labelledby="export-title">
        <h3 id="export-title">Export</h3>
        <p>Every chat with every version of its messages, as one JSON file. One chat: its Chat settings.</p>
        <a class="button ghost" href="/api/me/export" download="chat-export.json">Download all chats</a>
      </section>
      <section aria-labelledby="import-title">
        <h3 id="import-title">Import</h3>
        <p>
          A file exported from this app, or <code>conversations.json</code> from ChatGPT's data export. Importing
          the same file again adds nothing.
        </p>
        <label
          >File to import
          <input type="file" accept="application/json,.json" ?disabled=${this._busy} @change=${this._onFile} />
        </label>
        ${this._busy ? html`<p role="status">Importing…</p>` : nothing}
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
        ${
          report
            ? html`<div role="status">
                <p class="done">
                  ${report.imported} chats imported${report.alreadyImported ? html`, ${report.alreadyImported} already here` : nothing}.
                </p>
                ${
                  report.skipped.length > 0
                    ? html`<p>Left out:</p>
                        <ul>
                          ${report.skipped.map((item) => html`<li>${item.chat}: ${item.reason}</li>`)}
                        </ul>`
                    : nothing
                }
              </div>`
            : nothing
        }
      </section>
    `;
  }

  private async _onFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this._busy = true;
    this._error = "";
    this._report = undefined;
    try {
      const body: unknown = JSON.parse(await file.text());
      this._report = await apiClient.importChats(body);
      this.dispatchEvent(new CustomEvent("chats-imported", { bubbles: true, composed: true }));
    } catch (error) {
      this._error =
        error instanceof SyntaxError ? "The file is not JSON." : problemOf(error, "The import failed.");
    } finally {
      this._busy = false;
      input.value = "";
    }
  }
}
