import type { User } from "@chat/contracts";
import { css, html, LitElement, nothing } from "lit";
import { customElement, state } from "lit/decorators.js";
import { ApiError, apiClient } from "../api-client.ts";
import { baseStyles } from "../elements/base-styles.ts";
import { adminApi } from "./admin-api.ts";
import "../elements/theme-toggle.ts";
import "./console-audit-log.ts";
import "./console-conversations.ts";
import "./console-dead-letters.ts";
import "./console-recipients.ts";

type ConsoleView = "conversations" | "recipients" | "dead-letters" | "audit";

const views: Array<{ view: ConsoleView; label: string; path: string; adminOnly: boolean }> = [
  { view: "conversations", label: "Conversations", path: "/admin", adminOnly: false },
  { view: "recipients", label: "Recipients", path: "/admin/recipients", adminOnly: true },
  { view: "dead-letters", label: "Dead letters", path: "/admin/dead-letters", adminOnly: true },
  { view: "audit", label: "Audit log", path: "/admin/audit", adminOnly: true },
];

/** The caller's staff role as the store has it: a non-staff caller gets 404 on staff routes, an agent 403 on admin ones. */
async function staffRoleNow(): Promise<"agent" | "admin" | "none"> {
  const refusal = async (call: () => Promise<unknown>) => {
    try {
      await call();
      return 0;
    } catch (error) {
      if (ApiError.isInstance(error) && (error.status === 403 || error.status === 404)) return error.status;
      throw error;
    }
  };
  if ((await refusal(() => adminApi.totals())) === 404) return "none";
  return (await refusal(() => adminApi.recipients())) === 403 ? "agent" : "admin";
}

function viewOf(path: string): ConsoleView {
  return views.find((entry) => entry.path === path)?.view ?? "conversations";
}

/**
 * The support console at `/admin`: conversations for agents and admins; recipients, dead letters
 * and the audit log for admins. Anyone else sees what a page that does not exist shows.
 */
@customElement("admin-console")
export class AdminConsole extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 100dvh;
        background: var(--surface);
        color: var(--text);
      }
      header {
        display: flex;
        align-items: center;
        gap: 16px;
        padding: 10px 20px;
        border-bottom: 1px solid var(--border);
        background: var(--surface-muted);
        flex-wrap: wrap;
      }
      .brand {
        font-weight: 700;
        margin-right: 8px;
      }
      nav {
        display: flex;
        gap: 4px;
        flex-wrap: wrap;
      }
      nav a {
        padding: 6px 12px;
        border-radius: 8px;
        color: var(--text);
        text-decoration: none;
      }
      nav a[aria-current="page"] {
        background: var(--accent-soft);
        color: var(--accent-soft-text);
        font-weight: 600;
      }
      .spacer {
        flex: 1;
      }
      .who {
        color: var(--text-muted);
        font-size: 0.9rem;
      }
      main {
        flex: 1;
        padding: 16px 20px;
        min-width: 0;
      }
      .message {
        margin: 20vh auto;
        text-align: center;
        color: var(--text-muted);
      }
      a.back {
        color: var(--accent);
      }
    `,
  ];

  @state() private _user: User | null | undefined = undefined;
  /** The role the store has now (a token's claim may be a token lifetime old): asked of the staff routes. */
  @state() private _role: "agent" | "admin" | "none" = "none";
  @state() private _view: ConsoleView = viewOf(location.pathname);

  private readonly _onPopState = () => {
    this._view = viewOf(location.pathname);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("popstate", this._onPopState);
    void this._loadUser();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("popstate", this._onPopState);
  }

  private async _loadUser(): Promise<void> {
    document.title = "Console · Chat";
    let user: User;
    try {
      user = (await apiClient.me()).user;
    } catch (error) {
      if (!ApiError.isInstance(error) || error.status !== 401) throw error;
      this._user = null;
      return;
    }
    this._role = await staffRoleNow();
    this._user = user;
  }

  override render() {
    const user = this._user;
    if (user === undefined) return html`<p class="message" role="status">Loading…</p>`;
    if (user === null)
      return html`<p class="message">Sign in first. <a class="back" href="/">Go to the app</a></p>`;
    if (this._role === "none")
      return html`<p class="message">This page does not exist. <a class="back" href="/">Back to your chats</a></p>`;
    const isAdmin = this._role === "admin";
    const view =
      !isAdmin && views.find((entry) => entry.view === this._view)?.adminOnly ? "conversations" : this._view;
    return html`
      <header>
        <span class="brand">Support console</span>
        <nav aria-label="Console">
          ${views
            .filter((entry) => isAdmin || !entry.adminOnly)
            .map(
              (entry) => html`<a
                href=${entry.path}
                aria-current=${entry.view === view ? "page" : "false"}
                @click=${(event: MouseEvent) => this._onNavigate(event, entry.path)}
                >${entry.label}</a
              >`,
            )}
        </nav>
        <span class="spacer"></span>
        <span class="who">${user.name} · ${this._role}</span>
        <a class="back" href="/">Chats</a>
        <theme-toggle></theme-toggle>
      </header>
      <main>
        ${view === "conversations" ? html`<console-conversations .agent=${user}></console-conversations>` : nothing}
        ${view === "recipients" ? html`<console-recipients></console-recipients>` : nothing}
        ${view === "dead-letters" ? html`<console-dead-letters></console-dead-letters>` : nothing}
        ${view === "audit" ? html`<console-audit-log></console-audit-log>` : nothing}
      </main>
    `;
  }

  private _onNavigate(event: MouseEvent, path: string): void {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (location.pathname !== path) history.pushState(null, "", path);
    this._view = viewOf(path);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-console": AdminConsole;
  }
}
