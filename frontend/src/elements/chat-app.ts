import type { Chat, NotificationData, User } from "@chat/contracts";
import { css, html, LitElement } from "lit";
import { customElement, state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { ApiError, apiClient } from "../api-client.ts";
import { ChatListController } from "../controllers/chat-list-controller.ts";
import { UserEventsController } from "../controllers/user-events-controller.ts";
import { baseStyles } from "./base-styles.ts";
import "./auth-form.ts";
import "./chat-list.ts";
import "./chat-thread.ts";

type SessionState = { kind: "checking" } | { kind: "signed-out" } | { kind: "signed-in"; user: User };

const chatRoute = /^#\/chats\/([A-Za-z0-9_-]{1,64})$/;
const toastLifetimeMs = 6_000;

function chatIdFromLocation(): string | undefined {
  return chatRoute.exec(location.hash)?.[1];
}

/**
 * The application root: the sign-in form, or the chat list beside the open chat. The open
 * chat lives in the URL hash (`#/chats/:id`) so a reload keeps it.
 */
@customElement("chat-app")
export class ChatApp extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100%;
      }
      .splash {
        display: grid;
        place-items: center;
        height: 100%;
        color: var(--text-muted);
      }
      .layout {
        display: grid;
        grid-template-columns: 280px minmax(0, 1fr);
        height: 100%;
      }
      aside {
        display: flex;
        flex-direction: column;
        min-height: 0;
        border-right: 1px solid var(--border);
        background: var(--surface-muted);
      }
      .brand {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 14px 16px 2px;
        font-weight: 650;
        font-size: 16px;
      }
      .logo {
        display: grid;
        place-items: center;
        width: 28px;
        height: 28px;
        border-radius: 8px;
        background: var(--accent);
        color: var(--accent-text);
        font-size: 14px;
        font-weight: 700;
      }
      chat-list {
        flex: 1;
        min-height: 0;
      }
      .account {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 10px 12px;
        border-top: 1px solid var(--border);
      }
      .avatar {
        display: grid;
        place-items: center;
        flex: none;
        width: 30px;
        height: 30px;
        border-radius: 50%;
        background: var(--surface-sunken);
        font-weight: 600;
        font-size: 13px;
      }
      .who {
        flex: 1;
        min-width: 0;
        font-size: 13px;
        line-height: 1.3;
      }
      .who span {
        display: block;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .who .email {
        color: var(--text-muted);
        font-size: 12px;
      }
      main {
        position: relative;
        min-width: 0;
        min-height: 0;
        height: 100%;
      }
      .welcome {
        display: grid;
        place-content: center;
        justify-items: center;
        gap: 8px;
        height: 100%;
        padding: 24px;
        text-align: center;
        color: var(--text-muted);
      }
      .welcome h2 {
        margin: 0;
        color: var(--text);
        font-size: 22px;
        font-weight: 650;
      }
      .welcome p {
        margin: 0 0 12px;
      }
      .menu,
      .scrim {
        display: none;
      }
      .toasts {
        position: fixed;
        top: 12px;
        right: 16px;
        display: flex;
        flex-direction: column;
        gap: 8px;
        z-index: 30;
        max-width: min(360px, calc(100vw - 32px));
      }
      .toast {
        padding: 10px 14px;
        border: 1px solid var(--border);
        border-radius: 10px;
        background: var(--surface);
        box-shadow: var(--shadow);
        font-size: 14px;
      }
      .toast strong {
        display: block;
      }
      .toast span {
        color: var(--text-muted);
      }
      @media (max-width: 720px) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
        aside {
          position: fixed;
          inset: 0 auto 0 0;
          width: min(300px, 85vw);
          z-index: 20;
          transform: translateX(-100%);
          transition: transform 180ms ease;
          box-shadow: var(--shadow);
        }
        .layout[data-drawer="open"] aside {
          transform: none;
        }
        .layout[data-drawer="open"] .scrim {
          display: block;
          position: fixed;
          inset: 0;
          z-index: 10;
          background: rgb(0 0 0 / 35%);
        }
        .menu {
          display: grid;
          place-items: center;
          position: absolute;
          top: 10px;
          left: 10px;
          z-index: 5;
          width: 38px;
          height: 38px;
          padding: 0;
          font-size: 18px;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        aside {
          transition: none;
        }
      }
    `,
  ];

  @state() private _session: SessionState = { kind: "checking" };
  @state() private _chatId: string | undefined = chatIdFromLocation();
  @state() private _drawerOpen = false;
  @state() private _creating = false;
  @state() private _createError: string | undefined;
  @state() private _toasts: NotificationData[] = [];

  private readonly _chatList = new ChatListController(this);

  private readonly _userEvents = new UserEventsController(this, {
    onChatUpdated: (chat) => this._chatList.upsert(chat),
    onNotification: (notification) => this._showToast(notification),
  });

  private readonly _onHashChange = () => {
    this._chatId = chatIdFromLocation();
  };

  private readonly _onUnauthorized = () => {
    this._signedOut();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("hashchange", this._onHashChange);
    apiClient.addEventListener("unauthorized", this._onUnauthorized);
    void this._checkSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("hashchange", this._onHashChange);
    apiClient.removeEventListener("unauthorized", this._onUnauthorized);
  }

  override render() {
    const session = this._session;
    if (session.kind === "checking") return html`<div class="splash" role="status">Loading…</div>`;
    if (session.kind === "signed-out") return html`<auth-form @signed-in=${this._onSignedIn}></auth-form>`;
    const user = session.user;
    const list = this._chatList;
    return html`
      <div class="layout" data-drawer=${this._drawerOpen ? "open" : "closed"}>
        <aside id="drawer" aria-label="Chats">
          <div class="brand"><span class="logo" aria-hidden="true">C</span> Chat</div>
          <chat-list
            .chats=${list.chats}
            selected-id=${this._chatId ?? ""}
            ?loading=${list.loading}
            ?has-more=${list.nextCursor !== null}
            ?creating=${this._creating}
            .error=${this._createError ?? list.error?.message}
            @chat-select=${this._onChatSelect}
            @chat-create=${this._onChatCreate}
            @chats-more=${this._onChatsMore}
          ></chat-list>
          <div class="account">
            <span class="avatar" aria-hidden="true">${(user.name || user.email).slice(0, 1).toUpperCase()}</span>
            <div class="who">
              <span>${user.name}</span>
              <span class="email">${user.email}</span>
            </div>
            <button class="quiet" type="button" @click=${this._onSignOutClick}>Sign out</button>
          </div>
        </aside>
        <div class="scrim" @click=${this._onScrimClick}></div>
        <main>
          <button
            class="ghost menu"
            type="button"
            aria-label="Show chats"
            aria-controls="drawer"
            aria-expanded=${this._drawerOpen}
            @click=${this._onMenuClick}
          >
            ☰
          </button>
          ${
            this._chatId
              ? html`<chat-thread chat-id=${this._chatId} @chat-updated=${this._onChatUpdated}></chat-thread>`
              : html`<div class="welcome">
                  <h2>What shall we talk about?</h2>
                  <p>Open a chat from the list, or start a new one.</p>
                  <button class="primary" type="button" ?disabled=${this._creating} @click=${this._onChatCreate}>
                    New chat
                  </button>
                </div>`
          }
        </main>
      </div>
      <div class="toasts" aria-live="polite">
        ${repeat(
          this._toasts,
          (toast) => toast.notificationId,
          (toast) => html`<div class="toast"><strong>${toast.title}</strong><span>${toast.body}</span></div>`,
        )}
      </div>
    `;
  }

  private async _checkSession(): Promise<void> {
    try {
      const { user } = await apiClient.me();
      this._signedInAs(user);
    } catch (error) {
      if (ApiError.isInstance(error) && error.status === 401) {
        this._session = { kind: "signed-out" };
        return;
      }
      // The server could not say: try again shortly rather than showing a sign-in form by mistake.
      setTimeout(() => void this._checkSession(), 3_000);
    }
  }

  private _signedInAs(user: User): void {
    this._session = { kind: "signed-in", user };
    this._userEvents.setEnabled(true);
    void this._chatList.refresh();
  }

  private _signedOut(): void {
    this._session = { kind: "signed-out" };
    this._userEvents.setEnabled(false);
    this._chatList.clear();
    this._drawerOpen = false;
  }

  private _onSignedIn(event: CustomEvent<{ user: User }>): void {
    this._signedInAs(event.detail.user);
  }

  private async _onSignOutClick(): Promise<void> {
    try {
      await apiClient.logout();
    } finally {
      this._signedOut();
      if (location.hash) history.replaceState(null, "", location.pathname + location.search);
      this._chatId = undefined;
    }
  }

  private _onChatSelect(event: CustomEvent<{ chatId: string }>): void {
    this._select(event.detail.chatId);
  }

  private async _onChatCreate(): Promise<void> {
    this._creating = true;
    this._createError = undefined;
    try {
      const chat = await this._chatList.create();
      this._select(chat.id);
    } catch (error) {
      this._createError = ApiError.isInstance(error) ? error.message : "The chat could not be created.";
    } finally {
      this._creating = false;
    }
  }

  private _onChatsMore(): void {
    void this._chatList.loadMore();
  }

  private _onChatUpdated(event: CustomEvent<{ chat: Chat }>): void {
    this._chatList.upsert(event.detail.chat);
  }

  private _onMenuClick(): void {
    this._drawerOpen = !this._drawerOpen;
  }

  private _onScrimClick(): void {
    this._drawerOpen = false;
  }

  private _select(chatId: string): void {
    this._drawerOpen = false;
    this._chatId = chatId;
    const hash = `#/chats/${chatId}`;
    if (location.hash !== hash) location.hash = hash;
  }

  private _showToast(notification: NotificationData): void {
    this._toasts = [...this._toasts, notification];
    setTimeout(() => {
      this._toasts = this._toasts.filter((toast) => toast.notificationId !== notification.notificationId);
    }, toastLifetimeMs);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-app": ChatApp;
  }
}
