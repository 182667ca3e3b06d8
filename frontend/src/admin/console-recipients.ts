import type { StaffAlertKind, StaffRecipient } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { ApiError } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { adminApi, type RecipientSettings } from "./admin-api.ts";
import { consoleTableStyles } from "./console-table-styles.ts";

const kinds: StaffAlertKind[] = ["help_request", "takeover", "critical_error", "system_alert"];

/**
 * Who gets staff alerts, and over which channels (admin only): each recipient's addresses. The
 * channels' secrets (SMTP, Twilio, the webhook signing secret) stay in configuration.
 */
@customElement("console-recipients")
export class ConsoleRecipients extends LitElement {
  static override styles = [baseStyles, consoleTableStyles];

  @state() private _recipients: StaffRecipient[] = [];
  @state() private _editing: StaffRecipient | undefined;
  @state() private _error = "";

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  private async _load(): Promise<void> {
    try {
      this._recipients = (await adminApi.recipients()).recipients;
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    }
  }

  override render() {
    const editing = this._editing;
    return html`
      <h2>Recipients of staff alerts</h2>
      <p class="muted">Secrets of the channels (SMTP, Twilio, the webhook signing secret) are set in the configuration, not here.</p>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <form @submit=${this._onSave} aria-label=${editing ? `Edit ${editing.name}` : "New recipient"}>
        <label>Name<input name="name" required maxlength="200" .value=${editing?.name ?? ""} /></label>
        <label>E-mail<input name="email" type="email" .value=${editing?.email ?? ""} /></label>
        <label>Phone (E.164)<input name="phone" pattern="\\+[1-9][0-9]{6,14}" placeholder="+4915112345678" .value=${editing?.phone ?? ""} /></label>
        <label>Webhook URLs (one a line)<textarea name="webhookUrls" rows="2" .value=${editing?.webhookUrls.join("\n") ?? ""}></textarea></label>
        <label>App user id<input name="userId" .value=${editing?.userId ?? ""} /></label>
        <fieldset>
          <legend class="muted">Alerts (none = all)</legend>
          ${kinds.map(
            (kind) =>
              html`<label class="inline"><input type="checkbox" name="kinds" value=${kind} .checked=${editing?.kinds.includes(kind) ?? false} />${kind.replace("_", " ")}</label>`,
          )}
        </fieldset>
        <label class="inline"><input type="checkbox" name="enabled" .checked=${editing?.enabled ?? true} />Enabled</label>
        <button class="primary" type="submit">${editing ? "Save" : "Add recipient"}</button>
        ${editing ? html`<button class="ghost" type="button" @click=${() => (this._editing = undefined)}>Cancel</button>` : nothing}
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Channels</th>
            <th scope="col">Alerts</th>
            <th scope="col">State</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${this._recipients.map(
            (recipient) => html`<tr data-recipient=${recipient.id}>
              <td>${recipient.name}</td>
              <td>
                ${recipient.email ? html`e-mail ${recipient.email}<br />` : nothing}
                ${recipient.phone ? html`SMS ${recipient.phone}<br />` : nothing}
                ${recipient.webhookUrls.map((url) => html`webhook ${url}<br />`)}
                ${recipient.userId ? html`in-app ${recipient.userId}` : nothing}
              </td>
              <td>${recipient.kinds.length === 0 ? "all" : recipient.kinds.join(", ")}</td>
              <td>${recipient.enabled ? "enabled" : "disabled"}</td>
              <td>
                <button class="ghost" type="button" @click=${() => (this._editing = recipient)}>Edit</button>
                <button class="ghost" type="button" @click=${() => this._onDelete(recipient)}>Delete</button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${this._recipients.length === 0 ? html`<p class="muted">Nobody gets alerts yet.</p>` : nothing}
    `;
  }

  private async _onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const settings: RecipientSettings = {
      name: text("name"),
      enabled: data.get("enabled") !== null,
      kinds: data.getAll("kinds").map(String) as StaffAlertKind[],
      webhookUrls: text("webhookUrls")
        .split("\n")
        .map((url) => url.trim())
        .filter(Boolean),
      ...(text("email") && { email: text("email") }),
      ...(text("phone") && { phone: text("phone") }),
      ...(text("userId") && { userId: text("userId") }),
    };
    const id = this._editing?.id ?? crypto.randomUUID();
    try {
      await adminApi.putRecipient(id, settings);
      this._editing = undefined;
      this._error = "";
      form.reset();
      await this._load();
    } catch (error) {
      this._error = ApiError.isInstance(error) ? error.message : String(error);
    }
  }

  private async _onDelete(recipient: StaffRecipient): Promise<void> {
    if (!confirm(`Stop sending alerts to ${recipient.name}?`)) return;
    await adminApi.deleteRecipient(recipient.id);
    await this._load();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "console-recipients": ConsoleRecipients;
  }
}
