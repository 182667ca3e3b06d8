import type { Chat, NotificationData, User } from "@chat/contracts";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { customElement, query, state } from "lit/decorators.js";
import { repeat } from "lit/directives/repeat.js";
import { ApiError, apiClient } from "../api-client.ts";
import { ChatListController, type ChatPlacement } from "../controllers/chat-list-controller.ts";
import { ChatProjectsController } from "../controllers/chat-projects-controller.ts";
import { ModelsController } from "../controllers/models-controller.ts";
import { RouteController } from "../controllers/route-controller.ts";
import { UserEventsController } from "../controllers/user-events-controller.ts";
import { baseStyles } from "./base-styles.ts";
import type { ChatMoveDialog } from "./chat-move-dialog.ts";
import type { ChatProjectDialog } from "./chat-project-dialog.ts";
import type { ChatThread } from "./chat-thread.ts";
import type { ConfirmDialog } from "./confirm-dialog.ts";
import { dashboardIcon, gearIcon, menuIcon, plusIcon, signOutIcon } from "./icons.ts";
import "../settings/settings-dialog.ts";
import "./shortcuts-dialog.ts";
import type { SettingsDialog } from "../settings/settings-dialog.ts";
import type { ShortcutsDialog } from "./shortcuts-dialog.ts";
import "./auth-form.ts";
import "./chat-list.ts";
import type { ChatList } from "./chat-list.ts";
import "./chat-thread.ts";
import "./confirm-dialog.ts";
import "./chat-move-dialog.ts";
import "./chat-project-dialog.ts";
import "./project-delete-dialog.ts";
import type { ProjectDeleteDialog } from "./project-delete-dialog.ts";
import "./theme-toggle.ts";

type SessionState = { kind: "checking" } | { kind: "signed-out" } | { kind: "signed-in"; user: User };
type Toast = { id: string; title: string; body: string };

const toastLifetimeMs = 6_000;

/**
 * The application: the sign-in page, or the sidebar of chats beside the open chat. The route
 * (`/` for a new chat, `/chats/:id`) is the URL's path, so reload, back and forward work. On
 * narrow screens the sidebar is a drawer behind the menu button.
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
      .skip {
        position: absolute;
        top: -100px;
        left: 12px;
        z-index: 50;
        padding: 8px 14px;
        border-radius: 8px;
        background: var(--accent);
        color: var(--accent-text);
        font-weight: 600;
        text-decoration: none;
      }
      .skip:focus {
        top: 12px;
      }
      .layout {
        display: grid;
        grid-template-columns: 272px minmax(0, 1fr);
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
        padding: 14px 14px 10px 16px;
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
      .new-chat {
        margin: 0 12px 12px;
        justify-content: flex-start;
      }
      chat-list {
        flex: 1;
      }
      .console-link {
        display: grid;
        place-items: center;
        flex: none;
        width: var(--icon-button-width);
        height: 34px;
        border-radius: 8px;
        color: var(--text-muted);
      }
      .console-link:hover {
        color: var(--text);
        background: var(--surface-sunken);
      }
      .account {
        /* Narrower buttons leave the name room (theme-toggle's button inherits it too). */
        --icon-button-width: 30px;
        display: flex;
        align-items: center;
        gap: 4px;
        padding: 10px 8px 10px 12px;
        border-top: 1px solid var(--border);
      }
      .account .avatar {
        margin-right: 4px;
      }
      .avatar {
        display: grid;
        place-items: center;
        flex: none;
        width: 32px;
        height: 32px;
        border-radius: 50%;
        background: var(--accent-soft);
        color: var(--accent-soft-text);
        font-weight: 650;
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
        min-width: 0;
        min-height: 0;
        height: 100%;
      }
      .menu,
      .scrim {
        display: none;
      }
      .toasts {
        position: fixed;
        top: 12px;
        right: 16px;
        z-index: 40;
        display: flex;
        flex-direction: column;
        gap: 8px;
        max-width: min(360px, calc(100vw - 32px));
      }
      .toast {
        padding: 10px 14px;
        border: 1px solid var(--border);
        border-radius: 10px;
        background: var(--surface);
        box-shadow: var(--shadow-raised);
        font-size: 14px;
      }
      .toast strong {
        display: block;
      }
      .toast span {
        color: var(--text-muted);
      }
      @media (max-width: 760px) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
        aside {
          position: fixed;
          inset: 0 auto 0 0;
          z-index: 30;
          width: min(300px, 86vw);
          transform: translateX(-100%);
          visibility: hidden;
          transition: transform 200ms ease, visibility 0s linear 200ms;
          box-shadow: var(--shadow-raised);
        }
        .layout[data-drawer="open"] aside {
          transform: none;
          visibility: visible;
          transition: transform 200ms ease;
        }
        .layout[data-drawer="open"] .scrim {
          display: block;
          position: fixed;
          inset: 0;
          z-index: 20;
          background: var(--scrim);
        }
        .menu {
          display: inline-flex;
          margin-left: -6px;
        }
      }
    `,
  ];

  @state() private _session: SessionState = { kind: "checking" };
  @state() private _drawerOpen = false;
  @state() private _toasts: Toast[] = [];
  /** The project a new chat is being started in, from its "New chat in project" button. */
  @state() private _newChatProjectId: string | undefined;
  /** A search result's message to show once its chat opens. */
  @state() private _found: { chatId: string; messageId: string; query: string } | undefined;

  @query("chat-thread") private _thread?: ChatThread;
  @query("confirm-dialog") private _confirm?: ConfirmDialog;
  @query("settings-dialog") private _settings?: SettingsDialog;
  @query("chat-list") private _list?: ChatList;
  @query("chat-project-dialog") private _projectDialog?: ChatProjectDialog;
  @query("project-delete-dialog") private _projectDeleteDialog?: ProjectDeleteDialog;
  @query("chat-move-dialog") private _moveDialog?: ChatMoveDialog;
  @query(".menu") private _menuButton?: HTMLButtonElement;

  private readonly _route = new RouteController(this);
  private readonly _models = new ModelsController(this);
  private readonly _projects = new ChatProjectsController(this);
  private readonly _chatList = new ChatListController(this, {
    onDeletedElsewhere: (chatId) => {
      if (this._openChatId === chatId) {
        this._route.navigate({ kind: "new-chat" }, { replace: true });
        this._toast("Chat deleted", "The chat you had open was deleted in another tab.");
      }
    },
    onSessionChanged: (signedIn) => {
      if (!signedIn && this._session.kind === "signed-in") this._signedOut();
      if (signedIn && this._session.kind === "signed-out") void this._checkSession();
    },
  });
  private readonly _userEvents = new UserEventsController(this, {
    onChatUpdated: (chat) => this._chatList.upsert(chat),
    onNotification: (notification) => this._showNotification(notification),
    onReconnected: () => void this._chatList.reconcile(),
  });

  private readonly _onUnauthorized = () => {
    if (this._session.kind === "signed-in") this._signedOut();
  };

  private readonly _onKeyDown = (event: KeyboardEvent) => {
    if (this._session.kind !== "signed-in") return;
    if (event.key === "Escape" && this._drawerOpen) {
      this._closeDrawer();
      return;
    }
    // Ctrl+Shift+O (⌘⇧O): a new chat, as in ChatGPT.
    if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === "o") {
      event.preventDefault();
      this._startNewChat();
    }
    // Ctrl+K (⌘K): the chat search.
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      void this._focusSearch();
      return;
    }
    // Shift+Esc: back to the message box, as in ChatGPT.
    if (event.key === "Escape" && event.shiftKey) {
      event.preventDefault();
      this._thread?.focusComposer();
      return;
    }
    if (event.key === "?" && !event.ctrlKey && !event.metaKey && !typingIn(event)) {
      event.preventDefault();
      this.renderRoot.querySelector<ShortcutsDialog>("shortcuts-dialog")?.open();
    }
  };

  private get _openChatId(): string | undefined {
    const route = this._route.route;
    return route.kind === "chat" ? route.chatId : undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    apiClient.addEventListener("unauthorized", this._onUnauthorized);
    window.addEventListener("keydown", this._onKeyDown);
    void this._checkSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    apiClient.removeEventListener("unauthorized", this._onUnauthorized);
    window.removeEventListener("keydown", this._onKeyDown);
  }

  override updated(changed: PropertyValues<this>): void {
    const chatId = this._openChatId;
    const title = chatId ? this._chatList.chats.find((chat) => chat.id === chatId)?.title : undefined;
    document.title =
      this._session.kind !== "signed-in" ? "Sign in · Chat" : title ? `${title} · Chat` : "Chat";
    if (changed.has("_drawerOpen" as keyof ChatApp) && this._drawerOpen) {
      this.renderRoot.querySelector<HTMLElement>(".new-chat")?.focus();
    }
  }

  override render() {
    const session = this._session;
    if (session.kind === "checking") return html`<div class="splash" role="status">Loading…</div>`;
    if (session.kind === "signed-out") return html`<auth-form @signed-in=${this._onSignedIn}></auth-form>`;
    const user = session.user;
    const list = this._chatList;
    const chatId = this._openChatId;
    const newChatProject = chatId ? undefined : this._projects.find(this._newChatProjectId);
    return html`
      <a class="skip" href="#message" @click=${this._onSkipClick}>Skip to the message box</a>
      <div class="layout" data-drawer=${this._drawerOpen ? "open" : "closed"}>
        <aside id="sidebar" aria-label="Chats">
          <div class="brand"><span class="logo" aria-hidden="true">C</span> Chat</div>
          <button class="primary new-chat" type="button" @click=${this._onNewChatClick}>${plusIcon} New chat</button>
          <chat-list
            .chats=${list.chats}
            .projects=${this._projects.projects}
            .archivedChats=${list.archived}
            selected-id=${chatId ?? ""}
            ?loading=${list.loading}
            ?has-more=${list.nextCursor !== null}
            .error=${list.error?.message}
            @chat-select=${this._onChatSelect}
            @chat-rename=${this._onChatRename}
            @chat-delete=${this._onChatDelete}
            @chats-more=${this._onChatsMore}
            @chats-retry=${this._onChatsRetry}
            @chat-place=${this._onChatPlace}
            @chat-move=${this._onChatMove}
            @project-new=${this._onProjectNew}
            @project-open=${this._onProjectOpen}
            @project-edit=${this._onProjectEdit}
            @project-delete=${this._onProjectDelete}
            @project-chat-new=${this._onProjectChatNew}
            @archive-open=${this._onArchiveOpen}
          ></chat-list>
          <div class="account">
            <span class="avatar" aria-hidden="true">${(user.name || user.email).slice(0, 1).toUpperCase()}</span>
            <div class="who">
              <span>${user.name || user.email}</span>
              <span class="email">${user.email}</span>
            </div>
            ${user.role === "user" ? nothing : html`<a class="console-link" href="/admin" aria-label="Support console" title="Support console">${dashboardIcon}</a>`}
            <theme-toggle></theme-toggle>
            <button class="icon" type="button" aria-label="Settings" title="Settings" @click=${this._onSettingsClick}>
              ${gearIcon}
            </button>
            <button class="icon" type="button" aria-label="Sign out" title="Sign out" @click=${this._onSignOutClick}>
              ${signOutIcon}
            </button>
          </div>
        </aside>
        <div class="scrim" @click=${this._onScrimClick}></div>
        <main>
          <chat-thread
            .chatId=${chatId}
            .found=${this._found?.chatId === chatId ? this._found : undefined}
            .models=${this._models.models}
            default-model=${newChatProject?.model ?? this._models.defaultModel ?? ""}
            project-id=${newChatProject?.id ?? ""}
            project-name=${newChatProject?.name ?? ""}
            user-connection=${this._userEvents.status}
            @chat-updated=${this._onChatUpdated}
            @chat-created=${this._onChatCreated}
            @chat-discarded=${this._onChatDiscarded}
            @new-chat-start=${this._onNewChatStart}
          >
            <button
              slot="header-start"
              class="icon menu"
              type="button"
              aria-label="Show chats"
              aria-controls="sidebar"
              aria-expanded=${this._drawerOpen ? "true" : "false"}
              @click=${this._onMenuClick}
            >
              ${menuIcon}
            </button>
          </chat-thread>
        </main>
      </div>
      <confirm-dialog></confirm-dialog>
      <chat-project-dialog .models=${this._models.models}></chat-project-dialog>
      <project-delete-dialog></project-delete-dialog>
      <chat-move-dialog></chat-move-dialog>
      <shortcuts-dialog></shortcuts-dialog>
      <settings-dialog
        .user=${user}
        @user-changed=${this._onUserChanged}
        @signed-out=${this._onSignedOutElsewhere}
        @chats-imported=${this._onChatsImported}
      ></settings-dialog>
      <div class="toasts" role="region" aria-label="Notifications" aria-live="polite">
        ${repeat(
          this._toasts,
          (toast) => toast.id,
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
      // The server could not say: try again shortly rather than show the sign-in form by mistake.
      setTimeout(() => void this._checkSession(), 3_000);
    }
  }

  private _signedInAs(user: User): void {
    this._session = { kind: "signed-in", user };
    this._userEvents.setEnabled(true);
    void this._models.load();
    void this._projects.load();
    void this._chatList.refresh();
  }

  private _signedOut(): void {
    this._session = { kind: "signed-out" };
    this._userEvents.setEnabled(false);
    this._chatList.clear();
    this._projects.clear();
    this._newChatProjectId = undefined;
    this._models.clear();
    this._drawerOpen = false;
    this._route.navigate({ kind: "new-chat" }, { replace: true });
  }

  private _onSignedIn(event: CustomEvent<{ user: User }>): void {
    this._signedInAs(event.detail.user);
    this._chatList.announceSession(true);
    // The form that had the focus is gone: the next thing to do is write.
    void this._focusComposer();
  }

  private async _onSignOutClick(): Promise<void> {
    try {
      await apiClient.logout();
    } catch {
      // Signed out here either way; the cookies expire on their own.
    }
    this._signedOut();
    this._chatList.announceSession(false);
  }

  private _onChatsImported(): void {
    void this._chatList.refresh();
  }

  private _onSettingsClick(): void {
    this._settings?.open();
  }

  private _onUserChanged(event: CustomEvent<{ user: User }>): void {
    if (this._session.kind === "signed-in") this._session = { kind: "signed-in", user: event.detail.user };
  }

  /** Signed out from the settings: every sign-in ended, or the account was deleted. */
  private _onSignedOutElsewhere(): void {
    this._signedOut();
    this._chatList.announceSession(false);
  }

  private _onSkipClick(event: Event): void {
    event.preventDefault();
    this._thread?.focusComposer();
  }

  private _onNewChatClick(): void {
    this._newChatProjectId = undefined;
    this._startNewChat();
  }

  private _onNewChatStart(): void {
    this._startNewChat();
  }

  private _startNewChat(): void {
    this._route.navigate({ kind: "new-chat" });
    this._closeDrawer({ restoreFocus: false });
    void this._focusComposer();
  }

  private _onChatSelect(event: CustomEvent<{ chatId: string; messageId?: string; query?: string }>): void {
    const { chatId, messageId, query } = event.detail;
    this._found = messageId && query ? { chatId, messageId, query } : undefined;
    this._newChatProjectId = undefined;
    this._route.navigate({ kind: "chat", chatId });
    this._closeDrawer({ restoreFocus: false });
    void this._focusComposer();
  }

  private async _onChatRename(event: CustomEvent<{ chatId: string; title: string }>): Promise<void> {
    try {
      await this._chatList.rename(event.detail.chatId, event.detail.title);
    } catch (error) {
      this._toast(
        "Not renamed",
        ApiError.isInstance(error) ? error.message : "The chat could not be renamed.",
      );
    }
  }

  private async _onChatDelete(event: CustomEvent<{ chatId: string }>): Promise<void> {
    const chatId = event.detail.chatId;
    const chat = this._chatList.chats.find((candidate) => candidate.id === chatId);
    const confirmed = await this._confirm?.ask({
      title: "Delete this chat?",
      body: `“${chat?.title || "Untitled chat"}” and all its messages will be deleted. This cannot be undone.`,
      confirmLabel: "Delete",
    });
    if (!confirmed) return;
    try {
      await this._chatList.delete(chatId);
      if (this._openChatId === chatId) this._route.navigate({ kind: "new-chat" }, { replace: true });
      this.renderRoot.querySelector<HTMLElement>(".new-chat")?.focus();
    } catch (error) {
      this._toast(
        "Not deleted",
        ApiError.isInstance(error) ? error.message : "The chat could not be deleted.",
      );
    }
  }

  /** Pins, unpins, archives or unarchives a chat; the focus follows it to where it is listed now. */
  private async _onChatPlace(
    event: CustomEvent<{ chatId: string; placement: ChatPlacement }>,
  ): Promise<void> {
    const { chatId, placement } = event.detail;
    try {
      await this._chatList.place(chatId, placement);
      await this._focusChatOrNewChat(chatId);
    } catch (error) {
      this._toast(
        "Not changed",
        ApiError.isInstance(error) ? error.message : "The chat could not be changed.",
      );
    }
  }

  private async _onChatMove(event: CustomEvent<{ chatId: string }>): Promise<void> {
    const { chatId } = event.detail;
    const chat = [...this._chatList.chats, ...this._chatList.archived].find((shown) => shown.id === chatId);
    if (!chat) return;
    const projectId = await this._moveDialog?.ask(chat, this._projects.projects);
    if (projectId === undefined || projectId === (chat.projectId ?? null)) return;
    try {
      await this._chatList.place(chatId, { projectId });
      if (projectId) this._list?.openProject(projectId);
      await this._focusChatOrNewChat(chatId);
    } catch (error) {
      this._toast("Not moved", ApiError.isInstance(error) ? error.message : "The chat could not be moved.");
    }
  }

  /** The focus on a chat's link where it is listed now, else (archived out of view) on "New chat". */
  private async _focusChatOrNewChat(chatId: string): Promise<void> {
    await this.updateComplete;
    if (!(await this._list?.focusChat(chatId)))
      this.renderRoot.querySelector<HTMLElement>(".new-chat")?.focus();
  }

  private async _onProjectNew(): Promise<void> {
    const project = await this._projectDialog?.edit(undefined, (settings) => this._projects.create(settings));
    if (project) this._list?.openProject(project.id);
  }

  private _onProjectOpen(event: CustomEvent<{ projectId: string }>): void {
    void this._chatList.loadProject(event.detail.projectId);
  }

  private async _onProjectEdit(event: CustomEvent<{ projectId: string }>): Promise<void> {
    const project = this._projects.find(event.detail.projectId);
    if (!project) return;
    await this._projectDialog?.edit(project, (settings) => this._projects.update(project.id, settings));
  }

  private async _onProjectDelete(event: CustomEvent<{ projectId: string }>): Promise<void> {
    const project = this._projects.find(event.detail.projectId);
    if (!project) return;
    const choice = await this._projectDeleteDialog?.ask(project);
    if (!choice) return;
    const keepChats = choice === "keep-chats";
    const openChat = this._chatList.chats.find((chat) => chat.id === this._openChatId);
    try {
      await this._projects.delete(project.id, keepChats);
      this._chatList.projectRemoved(project.id, keepChats);
      if (!keepChats && openChat?.projectId === project.id) {
        this._route.navigate({ kind: "new-chat" }, { replace: true });
      }
      if (this._newChatProjectId === project.id) this._newChatProjectId = undefined;
      await this.updateComplete;
      this._list?.renderRoot.querySelector<HTMLElement>('[aria-label="New project"]')?.focus();
    } catch (error) {
      this._toast(
        "Not deleted",
        ApiError.isInstance(error) ? error.message : "The project could not be deleted.",
      );
    }
  }

  private _onProjectChatNew(event: CustomEvent<{ projectId: string }>): void {
    this._newChatProjectId = event.detail.projectId;
    this._startNewChat();
  }

  private async _onArchiveOpen(): Promise<void> {
    try {
      await this._chatList.loadArchived();
    } catch (error) {
      this._toast(
        "Not loaded",
        ApiError.isInstance(error) ? error.message : "The archived chats could not be loaded.",
      );
    }
  }

  private _onChatsMore(): void {
    void this._chatList.loadMore();
  }

  private _onChatsRetry(): void {
    void this._chatList.retry();
  }

  private _onChatUpdated(event: CustomEvent<{ chat: Chat }>): void {
    this._chatList.upsert(event.detail.chat);
  }

  private _onChatCreated(event: CustomEvent<{ chat: Chat }>): void {
    this._chatList.added(event.detail.chat);
    if (event.detail.chat.projectId) this._list?.openProject(event.detail.chat.projectId);
    this._route.navigate({ kind: "chat", chatId: event.detail.chat.id });
  }

  private _onChatDiscarded(event: CustomEvent<{ chatId: string }>): void {
    this._chatList.discarded(event.detail.chatId);
    if (this._openChatId === event.detail.chatId)
      this._route.navigate({ kind: "new-chat" }, { replace: true });
  }

  /** The search box, in the drawer on a phone (opened for it). */
  private async _focusSearch(): Promise<void> {
    if (this._menuButton && getComputedStyle(this._menuButton).display !== "none") {
      this._drawerOpen = true;
      await this.updateComplete;
    }
    this.renderRoot.querySelector<ChatList>("chat-list")?.focusSearch();
  }

  private _onMenuClick(): void {
    this._drawerOpen = !this._drawerOpen;
  }

  private _onScrimClick(): void {
    this._closeDrawer();
  }

  private _closeDrawer(options: { restoreFocus?: boolean } = {}): void {
    if (!this._drawerOpen) return;
    this._drawerOpen = false;
    if (options.restoreFocus !== false) this._menuButton?.focus();
  }

  /** Focus in the message box after picking a chat, except on touch screens (it would open the keyboard). */
  private async _focusComposer(): Promise<void> {
    if (matchMedia("(pointer: coarse)").matches) return;
    await this.updateComplete;
    await this._thread?.updateComplete;
    this._thread?.focusComposer();
  }

  private _showNotification(notification: NotificationData): void {
    // The sidebar already shows a new title as it happens.
    if (notification.kind === "chat_renamed") return;
    this._toast(notification.title, notification.body, notification.notificationId);
  }

  private _toast(title: string, body: string, id: string = crypto.randomUUID()): void {
    if (this._toasts.some((toast) => toast.id === id)) return;
    this._toasts = [...this._toasts, { id, title, body }];
    setTimeout(() => {
      this._toasts = this._toasts.filter((toast) => toast.id !== id);
    }, toastLifetimeMs);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "chat-app": ChatApp;
  }
}

/** Whether the key went to a text field (a `?` there is text, not a shortcut). */
function typingIn(event: KeyboardEvent): boolean {
  const target = event.composedPath()[0];
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
  );
}
