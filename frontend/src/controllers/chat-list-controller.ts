import type { Chat } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";
import { TabChannel, type TabMessage } from "../tab-channel.ts";

/** The server's order: pinned chats first, then newest activity first. */
function newestFirst(left: Chat, right: Chat): number {
  return (
    Number(right.pinned === true) - Number(left.pinned === true) ||
    right.lastActivityAt.localeCompare(left.lastActivityAt) ||
    right.id.localeCompare(left.id)
  );
}

/** What the user can change about where a chat is listed. */
export type ChatPlacement = { pinned?: boolean; archived?: boolean; projectId?: string | null };

export interface ChatListOptions {
  api?: ApiClient;
  /** A chat was deleted in another tab. */
  onDeletedElsewhere?: (chatId: string) => void;
  /** Another tab signed in or out. */
  onSessionChanged?: (signedIn: boolean) => void;
}

/**
 * The signed-in user's chats that are not archived, pinned first, then newest activity first,
 * loaded page by page (a project's chats also when the project is opened), and the archived
 * chats when asked for; renames, deletes, pins, archives and moves go to the server and to the
 * other tabs. Coming back to the tab reloads the first page, so
 * what changed on other devices (new chats, deletions) shows.
 */
export class ChatListController implements ReactiveController {
  chats: Chat[] = [];
  /** The archived chats, once `loadArchived` ran. */
  archived: Chat[] = [];
  nextCursor: string | null = null;
  loading = false;
  loaded = false;
  error: ApiError | undefined;
  private enabled = false;
  private readonly api: ApiClient;
  private readonly channel: TabChannel;
  private readonly onVisible = () => {
    if (document.visibilityState === "visible" && this.enabled) void this.reconcile();
  };

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: ChatListOptions = {},
  ) {
    this.api = options.api ?? apiClient;
    this.channel = new TabChannel((message) => this.onTabMessage(message));
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener("visibilitychange", this.onVisible);
  }

  hostDisconnected(): void {
    document.removeEventListener("visibilitychange", this.onVisible);
  }

  /** Tells the other tabs about a sign-in or sign-out here. */
  announceSession(signedIn: boolean): void {
    this.channel.post({ type: signedIn ? "signed_in" : "signed_out" });
  }

  /** Starts over with the first page (on sign-in). */
  async refresh(): Promise<void> {
    this.enabled = true;
    this.chats = [];
    this.nextCursor = null;
    this.loaded = false;
    await this.loadPage(undefined);
  }

  async loadMore(): Promise<void> {
    if (this.nextCursor && !this.loading && !this.error) await this.loadPage(this.nextCursor);
  }

  /** Retries after a failed page. */
  async retry(): Promise<void> {
    this.error = undefined;
    if (!this.loaded) await this.loadPage(undefined);
    else await this.loadPage(this.nextCursor ?? undefined);
  }

  /**
   * Loads the first page again and merges it: new and changed chats show, and a chat missing
   * from the range the page covers was deleted elsewhere.
   */
  async reconcile(): Promise<void> {
    if (!this.loaded || this.loading) return;
    try {
      const page = await this.api.listChats();
      const fresh = new Map(page.chats.map((chat) => [chat.id, chat]));
      const oldest = page.chats.at(-1);
      const covered = (chat: Chat) =>
        page.nextCursor === null || (oldest !== undefined && newestFirst(chat, oldest) <= 0);
      this.chats = [
        ...this.chats.filter((chat) => !fresh.has(chat.id) && !covered(chat)),
        ...fresh.values(),
      ].sort(newestFirst);
      this.host.requestUpdate();
    } catch {
      // The next visit tries again; the list shown is still right but for what changed elsewhere.
    }
  }

  /** Creates a chat and puts it on top; throws the API's error. */
  async create(model?: string): Promise<Chat> {
    const chat = await this.api.createChat(model ? { model } : {});
    this.upsert(chat);
    this.channel.post({ type: "chat_saved", chat });
    return chat;
  }

  /** A chat created here (by sending the first message of a new chat): shown, and told to the other tabs. */
  added(chat: Chat): void {
    this.upsert(chat);
    this.channel.post({ type: "chat_saved", chat });
  }

  /** Applies a chat that changed: a new title, model, activity, pin, archive or project. */
  upsert(chat: Chat): void {
    const others = this.chats.filter((shown) => shown.id !== chat.id);
    this.chats = chat.archived ? others : [...others, chat].sort(newestFirst);
    const archivedOthers = this.archived.filter((shown) => shown.id !== chat.id);
    this.archived = chat.archived ? [...archivedOthers, chat].sort(newestFirst) : archivedOthers;
    this.host.requestUpdate();
  }

  /** Pins, archives or moves a chat on the server, then here and in the other tabs. Throws the API's error. */
  async place(chatId: string, placement: ChatPlacement): Promise<Chat> {
    const chat = await this.api.organizeChat(chatId, placement);
    this.upsert(chat);
    this.channel.post({ type: "chat_saved", chat });
    return chat;
  }

  /** Loads the newest chats of a project, so that an opened project shows them all but the oldest. */
  async loadProject(projectId: string): Promise<void> {
    try {
      const page = await this.api.listChats({ projectId, limit: 50 });
      for (const chat of page.chats) if (!chat.archived) this.upsert(chat);
    } catch {
      // The chats of the project already loaded still show.
    }
  }

  /** Loads the archived chats (the newest 100). Throws the API's error. */
  async loadArchived(): Promise<void> {
    const page = await this.api.listChats({ archived: true, limit: 100 });
    this.archived = page.chats;
    this.host.requestUpdate();
  }

  /** A project deleted with its chats kept: they are in no project now. */
  projectRemoved(projectId: string, keptChats: boolean): void {
    const inProject = (chat: Chat) => chat.projectId === projectId;
    const outOf = ({ projectId: _, ...chat }: Chat): Chat => chat;
    this.chats = keptChats
      ? this.chats.map((chat) => (inProject(chat) ? outOf(chat) : chat))
      : this.chats.filter((chat) => !inProject(chat));
    this.archived = keptChats
      ? this.archived.map((chat) => (inProject(chat) ? outOf(chat) : chat))
      : this.archived.filter((chat) => !inProject(chat));
    this.host.requestUpdate();
  }

  /** Renames on the server; shown at once, put back if the server refuses. Throws its error. */
  async rename(chatId: string, title: string): Promise<void> {
    const before = this.chats.find((chat) => chat.id === chatId);
    if (!before || before.title === title) return;
    this.upsert({ ...before, title });
    try {
      this.upsert(await this.api.renameChat(chatId, title));
    } catch (error) {
      const now = this.chats.find((chat) => chat.id === chatId);
      if (now?.title === title) this.upsert(before);
      throw error;
    }
  }

  /** Deletes on the server, then here and in the other tabs. Throws the API's error. */
  async delete(chatId: string): Promise<void> {
    try {
      await this.api.deleteChat(chatId);
    } catch (error) {
      if (!(ApiError.isInstance(error) && error.code === "CHAT_NOT_FOUND")) throw error;
    }
    this.discarded(chatId);
  }

  /**
   * A chat deleted here other than by `delete` (a new chat whose first message was refused):
   * taken off the list, here and in the other tabs.
   */
  discarded(chatId: string): void {
    this.remove(chatId);
    this.channel.post({ type: "chat_deleted", chatId });
  }

  remove(chatId: string): void {
    this.chats = this.chats.filter((chat) => chat.id !== chatId);
    this.archived = this.archived.filter((chat) => chat.id !== chatId);
    this.host.requestUpdate();
  }

  clear(): void {
    this.enabled = false;
    this.chats = [];
    this.archived = [];
    this.nextCursor = null;
    this.loaded = false;
    this.error = undefined;
    this.host.requestUpdate();
  }

  private onTabMessage(message: TabMessage): void {
    switch (message.type) {
      case "chat_saved":
        if (this.enabled) this.upsert(message.chat);
        return;
      case "chat_deleted":
        this.remove(message.chatId);
        this.options.onDeletedElsewhere?.(message.chatId);
        return;
      case "signed_in":
      case "signed_out":
        this.options.onSessionChanged?.(message.type === "signed_in");
        return;
    }
  }

  private async loadPage(cursor: string | undefined): Promise<void> {
    this.loading = true;
    this.error = undefined;
    this.host.requestUpdate();
    try {
      const page = await this.api.listChats({ cursor, limit: 30 });
      const known = new Set(page.chats.map((chat) => chat.id));
      this.chats = [...this.chats.filter((chat) => !known.has(chat.id)), ...page.chats].sort(newestFirst);
      this.nextCursor = page.nextCursor;
      this.loaded = true;
    } catch (error) {
      this.error = ApiError.isInstance(error)
        ? error
        : new ApiError("INTERNAL", "Chats could not be loaded.", 0);
    } finally {
      this.loading = false;
      this.host.requestUpdate();
    }
  }
}
