import type { AuditAction, AuditEntry } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { ApiError } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { adminApi } from "./admin-api.ts";
import { consoleTableStyles } from "./console-table-styles.ts";

const actions: AuditAction[] = ["role_changed", "chat_taken_over", "agent_message", "chat_released"];

/** What staff did, newest first, by action (admin only). */
@customElement("console-audit-log")
export class ConsoleAuditLog extends LitElement {
  static override styles = [baseStyles, consoleTableStyles];

  @state() private _entries: AuditEntry[] = [];
  @state() private _nextCursor: string | null = null;
  @state() private _action: AuditAction | undefined;
  @state() private _error = "";

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  private async _load(cursor?: string): Promise<void> {
    try {
      const page = await adminApi.auditLog({ action: this._action, cursor });
      this._entries = cursor ? [...this._entries, ...page.entries] : page.entries;
      this._nextCursor = page.nextCursor;
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    }
  }

  override render() {
    return html`
      <h2>Audit log</h2>
      <form @change=${this._onFilter}>
        <label
          >Action<select name="action">
            <option value="">Any</option>
            ${actions.map((action) => html`<option value=${action}>${action.replaceAll("_", " ")}</option>`)}
          </select></label
        >
      </form>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Chat</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          ${this._entries.map(
            (entry) => html`<tr>
              <td class="muted">${new Date(entry.at).toLocaleString()}</td>
              <td>${entry.actor.email}</td>
              <td>${entry.action.replaceAll("_", " ")}</td>
              <td class="muted">${entry.chatId ?? ""}</td>
              <td class="muted">${Object.entries(entry.details)
                .map(([name, value]) => `${name}: ${value}`)
                .join(", ")}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${this._entries.length === 0 ? html`<p class="muted">Nothing logged.</p>` : nothing}
      ${
        this._nextCursor
          ? html`<button class="ghost" type="button" @click=${() => this._load(this._nextCursor ?? undefined)}>Load more</button>`
          : nothing
      }
    `;
  }

  private _onFilter(event: Event): void {
    const value = String(new FormData(event.currentTarget as HTMLFormElement).get("action") ?? "");
    this._action = (value || undefined) as AuditAction | undefined;
    void this._load();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "console-audit-log": ConsoleAuditLog;
  }
}
