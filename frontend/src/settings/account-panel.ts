import type { User } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { apiClient } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { problemOf, settingsStyles } from "./settings-styles.ts";

type Outcome = { ok: boolean; text: string } | undefined;

/**
 * The user's account: display name, password, signing out on every device, deleting the account.
 * Fires `user-changed` with the renamed user, and `signed-out` once the sign-ins ended or the
 * account is gone.
 */
@customElement("account-panel")
export class AccountPanel extends LitElement {
  static override styles = [baseStyles, settingsStyles];

  @property({ attribute: false }) user?: User;

  @state() private _busy = "";
  @state() private _name: Outcome;
  @state() private _password: Outcome;
  @state() private _everywhere: Outcome;
  @state() private _deletion: Outcome;
  @state() private _confirmingDeletion = false;

  override render() {
    if (!this.user) return nothing;
    return html`
      <section aria-labelledby="name-title">
        <h3 id="name-title">Display name</h3>
        <form @submit=${this._onRename}>
          <label>Name <input name="name" required maxlength="100" autocomplete="name" .value=${this.user.name} /></label>
          <button class="ghost" type="submit" ?disabled=${this._busy !== ""}>Save name</button>
        </form>
        ${this._renderOutcome(this._name)}
      </section>
      <section aria-labelledby="password-title">
        <h3 id="password-title">Password</h3>
        <p>Changing it signs you out on every other device.</p>
        <form @submit=${this._onChangePassword}>
          <label>Current password <input name="current" type="password" required autocomplete="current-password" /></label>
          <label>New password <input name="next" type="password" required minlength="8" autocomplete="new-password" /></label>
          <button class="ghost" type="submit" ?disabled=${this._busy !== ""}>Change password</button>
        </form>
        ${this._renderOutcome(this._password)}
      </section>
      <section aria-labelledby="everywhere-title">
        <h3 id="everywhere-title">Sign out everywhere</h3>
        <p>Ends every sign-in of this account, this one too. API keys keep working.</p>
        <button class="ghost" type="button" ?disabled=${this._busy !== ""} @click=${this._onSignOutEverywhere}>
          Sign out everywhere
        </button>
        ${this._renderOutcome(this._everywhere)}
      </section>
      <section aria-labelledby="delete-title">
        <h3 id="delete-title">Delete account</h3>
        <p>Deletes the account with every chat, file, share link and API key. This cannot be undone.</p>
        ${
          this._confirmingDeletion
            ? html`<form @submit=${this._onDelete}>
                <label>Password to confirm <input name="password" type="password" required autocomplete="current-password" /></label>
                <button class="ghost" type="button" @click=${() => (this._confirmingDeletion = false)}>Cancel</button>
                <button class="ghost destructive" type="submit" ?disabled=${this._busy !== ""}>Delete my account</button>
              </form>`
            : html`<button class="ghost destructive" type="button" @click=${this._onStartDeletion}>Delete account…</button>`
        }
        ${this._renderOutcome(this._deletion)}
      </section>
    `;
  }

  private _renderOutcome(outcome: Outcome) {
    if (!outcome) return nothing;
    return html`<p class=${outcome.ok ? "done" : "error"} role=${outcome.ok ? "status" : "alert"}>${outcome.text}</p>`;
  }

  private async _run(name: string, action: () => Promise<string>, fallback: string): Promise<Outcome> {
    this._busy = name;
    try {
      return { ok: true, text: await action() };
    } catch (error) {
      return { ok: false, text: problemOf(error, fallback) };
    } finally {
      this._busy = "";
    }
  }

  private async _onRename(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const name = new FormData(event.target as HTMLFormElement).get("name")?.toString().trim() ?? "";
    this._name = await this._run(
      "name",
      async () => {
        const { user } = await apiClient.updateProfile(name);
        this.dispatchEvent(
          new CustomEvent("user-changed", { detail: { user }, bubbles: true, composed: true }),
        );
        return "Saved.";
      },
      "The name could not be saved.",
    );
  }

  private async _onChangePassword(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    this._password = await this._run(
      "password",
      async () => {
        await apiClient.changePassword(String(data.get("current") ?? ""), String(data.get("next") ?? ""));
        form.reset();
        return "Changed. Other devices are signed out.";
      },
      "The password could not be changed.",
    );
  }

  private async _onSignOutEverywhere(): Promise<void> {
    this._everywhere = await this._run(
      "everywhere",
      async () => {
        await apiClient.signOutEverywhere();
        this.dispatchEvent(new CustomEvent("signed-out", { bubbles: true, composed: true }));
        return "Signed out everywhere.";
      },
      "Signing out failed.",
    );
  }

  private async _onStartDeletion(): Promise<void> {
    this._confirmingDeletion = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('input[name="password"]')?.focus();
  }

  private async _onDelete(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const password = String(new FormData(event.target as HTMLFormElement).get("password") ?? "");
    this._deletion = await this._run(
      "delete",
      async () => {
        await apiClient.deleteAccount(password);
        this.dispatchEvent(new CustomEvent("signed-out", { bubbles: true, composed: true }));
        return "The account is deleted.";
      },
      "The account could not be deleted.",
    );
  }
}
