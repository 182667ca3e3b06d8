import type { Chat } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";

function newestFirst(left: Chat, right: Chat): number {
  return right.lastActivityAt.localeCompare(left.lastActivityAt);
}

/** The signed-in user's chats, newest activity first, loaded page by page. */
export class ChatListController implements ReactiveController {
  chats: Chat[] = [];
  nextCursor: string | null = null;
  loading = false;
  error: ApiError | undefined;
  private readonly api: ApiClient;

  constructor(
    private readonly host: ReactiveControllerHost,
    api: ApiClient = apiClient,
  ) {
    this.api = api;
    host.addController(this);
  }

  hostConnected(): void {
    // The list loads on sign-in, not on connect: the host may render before anyone has signed in.
  }

  /** Loads the first page again, forgetting what was shown. */
  async refresh(): Promise<void> {
    this.chats = [];
    this.nextCursor = null;
    await this.loadPage(undefined);
  }

  async loadMore(): Promise<void> {
    if (this.nextCursor && !this.loading) await this.loadPage(this.nextCursor);
  }

  /** Creates a chat and puts it on top; throws the API's error. */
  async create(): Promise<Chat> {
    const chat = await this.api.createChat({});
    this.upsert(chat);
    return chat;
  }

  /** Applies a chat that changed elsewhere: a new title, model or activity. */
  upsert(chat: Chat): void {
    const others = this.chats.filter((shown) => shown.id !== chat.id);
    this.chats = [...others, chat].sort(newestFirst);
    this.host.requestUpdate();
  }

  clear(): void {
    this.chats = [];
    this.nextCursor = null;
    this.error = undefined;
    this.host.requestUpdate();
  }

  private async loadPage(cursor: string | undefined): Promise<void> {
    this.loading = true;
    this.error = undefined;
    this.host.requestUpdate();
    try {
      const page = await this.api.listChats({ cursor });
      const known = new Set(page.chats.map((chat) => chat.id));
      this.chats = [...this.chats.filter((chat) => !known.has(chat.id)), ...page.chats].sort(newestFirst);
      this.nextCursor = page.nextCursor;
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
