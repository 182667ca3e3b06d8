import type { User } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";
import { baseStyles } from "./base-styles.ts";

type AuthMode = "sign-in" | "sign-up";

const minimumPasswordLength = 8;

/**
 * Sign in, or create an account. Shows the API's own error message when it refuses.
 *
 * @fires signed-in - The user is signed in; detail `{ user }`.
 */
@customElement("auth-form")
export class AuthForm extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: grid;
        place-items: center;
        min-height: 100%;
        padding: 24px 16px;
      }
      .card {
        width: min(100%, 380px);
        padding: 28px 24px;
        border: 1px solid var(--border);
        border-radius: 16px;
        background: var(--surface);
        box-shadow: var(--shadow);
      }
      h1 {
        margin: 0 0 4px;
        font-size: 22px;
        font-weight: 650;
      }
      .lead {
        margin: 0 0 20px;
        color: var(--text-muted);
        font-size: 14px;
      }
      .tabs {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 4px;
        padding: 4px;
        margin-bottom: 20px;
        border-radius: 10px;
        background: var(--surface-sunken);
      }
      .tabs button {
        padding: 6px 10px;
        color: var(--text-muted);
      }
      .tabs button[aria-selected="true"] {
        background: var(--surface);
        color: var(--text);
        box-shadow: var(--shadow);
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 14px;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 6px;
        font-size: 13px;
        font-weight: 550;
      }
      input {
        font: inherit;
        font-size: 15px;
        font-weight: 400;
        padding: 9px 12px;
        border-radius: 8px;
        border: 1px solid var(--border);
        background: var(--surface);
        color: inherit;
      }
      input:focus {
        outline: none;
        border-color: var(--accent);
        box-shadow: var(--focus-ring);
      }
      .hint {
        font-weight: 400;
        color: var(--text-muted);
        font-size: 12px;
      }
      .error {
        margin: 0;
        padding: 8px 12px;
        border-radius: 8px;
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 14px;
      }
      button[type="submit"] {
        margin-top: 4px;
        padding: 10px 14px;
      }
    `,
  ];

  @state() private _mode: AuthMode = "sign-in";
  @state() private _error: string | undefined;
  @state() private _busy = false;

  private readonly _api: ApiClient = apiClient;

  override render() {
    const signingUp = this._mode === "sign-up";
    return html`
      <div class="card">
        <h1>${signingUp ? "Create your account" : "Welcome back"}</h1>
        <p class="lead">${signingUp ? "Start chatting in a few seconds." : "Sign in to continue your chats."}</p>
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected=${!signingUp} data-mode="sign-in" @click=${this._onModeClick}>
            Sign in
          </button>
          <button type="button" role="tab" aria-selected=${signingUp} data-mode="sign-up" @click=${this._onModeClick}>
            Sign up
          </button>
        </div>
        <form @submit=${this._onSubmit}>
          ${
            signingUp
              ? html`<label>Name <input name="name" autocomplete="name" required maxlength="100" /></label>`
              : nothing
          }
          <label>Email <input name="email" type="email" autocomplete="email" required maxlength="254" /></label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autocomplete=${signingUp ? "new-password" : "current-password"}
              required
              minlength=${signingUp ? minimumPasswordLength : 1}
              maxlength="256"
            />
            ${signingUp ? html`<span class="hint">At least ${minimumPasswordLength} characters.</span>` : nothing}
          </label>
          ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
          <button class="primary" type="submit" ?disabled=${this._busy}>
            ${this._busy ? "Please wait…" : signingUp ? "Create account" : "Sign in"}
          </button>
        </form>
      </div>
    `;
  }

  private _onModeClick(event: Event): void {
    this._mode = (event.currentTarget as HTMLElement).dataset.mode as AuthMode;
    this._error = undefined;
  }

  private async _onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    this._busy = true;
    this._error = undefined;
    try {
      const answer =
        this._mode === "sign-up"
          ? await this._api.register({ email, password, name: String(form.get("name") ?? "").trim() })
          : await this._api.login({ email, password });
      this._signedIn(answer.user);
    } catch (error) {
      this._error = ApiError.isInstance(error) ? describe(error) : "Something went wrong. Please try again.";
    } finally {
      this._busy = false;
    }
  }

  private _signedIn(user: User): void {
    this.dispatchEvent(new CustomEvent("signed-in", { detail: { user }, bubbles: true, composed: true }));
  }
}

function describe(error: ApiError): string {
  const fields = error.details?.map((detail) => `${detail.path.replace(/^\//, "")}: ${detail.message}`) ?? [];
  return fields.length > 0 ? `${error.message} (${fields.join("; ")})` : error.message;
}

declare global {
  interface HTMLElementTagNameMap {
    "auth-form": AuthForm;
  }
}
