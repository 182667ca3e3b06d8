import type { NotificationDelivery } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { ApiError } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { adminApi } from "./admin-api.ts";
import { consoleTableStyles } from "./console-table-styles.ts";

/** Staff alerts the notifier gave up on (admin only): where to, why, after how many attempts. */
@customElement("console-dead-letters")
export class ConsoleDeadLetters extends LitElement {
  static override styles = [baseStyles, consoleTableStyles];

  @state() private _deliveries: NotificationDelivery[] = [];
  @state() private _nextCursor: string | null = null;
  @state() private _error = "";

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  private async _load(cursor?: string): Promise<void> {
    try {
      const page = await adminApi.deadLetters(cursor);
      this._deliveries = cursor ? [...this._deliveries, ...page.deliveries] : page.deliveries;
      this._nextCursor = page.nextCursor;
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    }
  }

  override render() {
    return html`
      <h2>Dead letters</h2>
      <p class="muted">Alerts that could not be delivered after every retry, newest first.</p>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Alert</th>
            <th scope="col">To</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          ${this._deliveries.map(
            (delivery) => html`<tr>
              <td class="muted">${new Date(delivery.updatedAt).toLocaleString()}</td>
              <td>${delivery.kind.replace("_", " ")}: ${delivery.subject}</td>
              <td>${delivery.channel} ${delivery.address}</td>
              <td>${delivery.attempts}</td>
              <td>${delivery.lastError ?? ""}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${this._deliveries.length === 0 ? html`<p class="muted">No dead letters.</p>` : nothing}
      ${
        this._nextCursor
          ? html`<button class="ghost" type="button" @click=${() => this._load(this._nextCursor ?? undefined)}>Load more</button>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "console-dead-letters": ConsoleDeadLetters;
  }
}
