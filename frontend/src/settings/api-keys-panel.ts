import type { ApiKey } from "@chat/contracts";
import { html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { apiClient } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { problemOf, settingsStyles } from "./settings-styles.ts";

const keyDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/**
 * The user's API keys for the OpenAI-compatible API: create one (its secret shown once, to copy),
 * see when each was last used, revoke.
 */
@customElement("api-keys-panel")
export class ApiKeysPanel extends LitElement {
  static override styles = [baseStyles, settingsStyles];

  @state() private _keys: ApiKey[] = [];
  @state() private _secret: { name: string; key: string } | undefined;
  @state() private _copied = false;
  @state() private _error = "";
  @state() private _busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  override render() {
    return html`
      <section aria-labelledby="keys-title">
        <h3 id="keys-title">API keys</h3>
        <p>
          Keys call the OpenAI-compatible API at <code>/v1</code> as you
          (<code>Authorization: Bearer &lt;key&gt;</code>).
        </p>
        <form @submit=${this._onCreate}>
          <label>Name <input name="name" required maxlength="100" placeholder="laptop, CI…" /></label>
          <button class="primary" type="submit" ?disabled=${this._busy}>Create key</button>
        </form>
        ${
          this._secret
            ? html`<div role="status">
                <p>Copy the key for “${this._secret.name}” now: it is not shown again.</p>
                <div class="row">
                  <input class="secret" readonly aria-label="The new API key" .value=${this._secret.key} />
                  <button class="ghost" type="button" @click=${this._onCopy}>${this._copied ? "Copied" : "Copy"}</button>
                </div>
              </div>`
            : nothing
        }
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      </section>
      ${
        this._keys.length > 0
          ? html`<table aria-label="Your API keys">
              <thead>
                <tr><th>Name</th><th>Key</th><th>Created</th><th>Last used</th><th><span class="visually-hidden">Actions</span></th></tr>
              </thead>
              <tbody>
                ${this._keys.map(
                  (key) => html`<tr>
                    <td>${key.name}</td>
                    <td><code>${key.prefix}…</code></td>
                    <td>${keyDate.format(new Date(key.createdAt))}</td>
                    <td>${key.lastUsedAt ? keyDate.format(new Date(key.lastUsedAt)) : "never"}</td>
                    <td>
                      <button class="quiet destructive" type="button" aria-label=${`Revoke ${key.name}`} ?disabled=${this._busy} @click=${() => this._onRevoke(key)}>
                        Revoke
                      </button>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p>No keys yet.</p>`
      }
    `;
  }

  /**
   * Reads the list without disabling the form: a disabled Create button would make Enter in the
   * name field do nothing until the list arrived. A key created meanwhile stays first.
   */
  private async _load(): Promise<void> {
    try {
      const loaded = (await apiClient.listApiKeys()).keys;
      const created = this._keys.filter((key) => !loaded.some((each) => each.id === key.id));
      this._keys = [...created, ...loaded];
    } catch (error) {
      this._error = problemOf(error, "The keys could not be loaded.");
    }
  }

  private async _onCreate(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = new FormData(form).get("name")?.toString().trim() ?? "";
    await this._run(async () => {
      const { key, ...listed } = await apiClient.createApiKey(name);
      this._secret = { name: listed.name, key };
      this._copied = false;
      this._keys = [listed, ...this._keys];
      form.reset();
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>(".secret")?.select();
    }, "The key could not be created.");
  }

  private async _onCopy(): Promise<void> {
    if (!this._secret) return;
    try {
      await navigator.clipboard.writeText(this._secret.key);
      this._copied = true;
    } catch {
      this._error = "Copying was not allowed: select the key and copy it.";
    }
  }

  private async _onRevoke(key: ApiKey): Promise<void> {
    await this._run(async () => {
      await apiClient.revokeApiKey(key.id);
      this._keys = this._keys.filter((kept) => kept.id !== key.id);
    }, "The key could not be revoked.");
  }

  private async _run(action: () => Promise<void>, fallback: string): Promise<void> {
    this._busy = true;
    this._error = "";
    try {
      await action();
    } catch (error) {
      this._error = problemOf(error, fallback);
    } finally {
      this._busy = false;
    }
  }
}
