import type { User } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";
import { baseStyles } from "./base-styles.ts";
import "./theme-toggle.ts";

type AuthMode = "sign-in" | "sign-up";

/**
 * Sign in, or create an account. Shows the API's own message when it refuses (a weak password,
 * an email already taken, wrong credentials).
 *
 * @fires signed-in - The user is signed in; detail `{ user }`.
 */
@customElement("auth-form")
export class AuthForm extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        position: relative;
        display: grid;
        place-items: center;
        min-height: 100%;
        padding: 24px 16px;
        background: var(--surface-muted);
      }
      theme-toggle {
        position: absolute;
        top: 12px;
        right: 12px;
      }
      .card {
        width: min(100%, 400px);
        padding: 28px 24px 24px;
        border: 1px solid var(--border);
        border-radius: 16px;
        background: var(--surface);
        box-shadow: var(--shadow-raised);
      }
      .logo {
        display: grid;
        place-items: center;
        width: 40px;
        height: 40px;
        margin-bottom: 16px;
        border-radius: 12px;
        background: var(--accent);
        color: var(--accent-text);
        font-weight: 700;
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
        padding: 7px 10px;
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
      label,
      .field {
        display: flex;
        flex-direction: column;
        gap: 6px;
        font-size: 13px;
        font-weight: 600;
      }
      input {
        width: 100%;
        font: inherit;
        font-size: 15px;
        font-weight: 400;
        padding: 9px 12px;
        border-radius: 8px;
        border: 1px solid var(--border-strong);
        background: var(--surface);
        color: inherit;
      }
      input:focus-visible {
        outline-offset: 0;
        border-color: var(--focus);
      }
      .password {
        position: relative;
      }
      .password input {
        padding-right: 64px;
      }
      .password button {
        position: absolute;
        right: 4px;
        top: 50%;
        transform: translateY(-50%);
        padding: 4px 8px;
        font-size: 12px;
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
  @state() private _showPassword = false;

  private readonly _api: ApiClient = apiClient;

  override render() {
    const signingUp = this._mode === "sign-up";
    return html`
      <theme-toggle></theme-toggle>
      <main class="card">
        <div class="logo" aria-hidden="true">C</div>
        <h1>${signingUp ? "Create your account" : "Welcome back"}</h1>
        <p class="lead">${signingUp ? "Start chatting in a few seconds." : "Sign in to continue your chats."}</p>
        <div class="tabs" role="tablist" aria-label="Sign in or sign up">
          <button
            type="button"
            role="tab"
            id="tab-sign-in"
            aria-selected=${!signingUp}
            aria-controls="auth-panel"
            data-mode="sign-in"
            @click=${this._onModeClick}
          >
            Sign in
          </button>
          <button
            type="button"
            role="tab"
            id="tab-sign-up"
            aria-selected=${signingUp}
            aria-controls="auth-panel"
            data-mode="sign-up"
            @click=${this._onModeClick}
          >
            Sign up
          </button>
        </div>
        <form
          id="auth-panel"
          role="tabpanel"
          aria-labelledby=${signingUp ? "tab-sign-up" : "tab-sign-in"}
          @submit=${this._onSubmit}
        >
          ${
            signingUp
              ? html`<label>Name <input name="name" autocomplete="name" required maxlength="100" /></label>`
              : nothing
          }
          <label>Email <input name="email" type="email" autocomplete="email" required maxlength="254" /></label>
          <div class="field">
            <label for="password">Password</label>
            <span class="password">
              <input
                id="password"
                name="password"
                type=${this._showPassword ? "text" : "password"}
                autocomplete=${signingUp ? "new-password" : "current-password"}
                aria-describedby=${signingUp ? "password-hint" : nothing}
                required
                maxlength="256"
              />
              <button
                class="quiet"
                type="button"
                aria-pressed=${this._showPassword}
                aria-label="Show password"
                @click=${this._onShowPasswordClick}
              >
                ${this._showPassword ? "Hide" : "Show"}
              </button>
            </span>
            ${
              signingUp
                ? html`<span class="hint" id="password-hint">At least 10 characters; not your email or name.</span>`
                : nothing
            }
          </div>
          ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
          <button class="primary" type="submit" ?disabled=${this._busy}>
            ${this._busy ? "Please wait…" : signingUp ? "Create account" : "Sign in"}
          </button>
        </form>
      </main>
    `;
  }

  private _onModeClick(event: Event): void {
    this._mode = (event.currentTarget as HTMLElement).dataset.mode as AuthMode;
    this._error = undefined;
  }

  private _onShowPasswordClick(): void {
    this._showPassword = !this._showPassword;
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
      this.dispatchEvent(
        new CustomEvent<{ user: User }>("signed-in", {
          detail: { user: answer.user },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (error) {
      this._error = ApiError.isInstance(error) ? describe(error) : "Something went wrong. Please try again.";
    } finally {
      this._busy = false;
    }
  }
}

function describe(error: ApiError): string {
  if (error.code === "NETWORK_FAILED") return error.message;
  const fields =
    error.details?.map((detail) => detail.message).filter((message) => message !== error.message) ?? [];
  return fields.length > 0 ? `${error.message}: ${fields.join("; ")}` : error.message;
}

declare global {
  interface HTMLElementTagNameMap {
    "auth-form": AuthForm;
  }
}
