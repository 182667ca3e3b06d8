import type { ChatSearchHit } from "@chat/contracts";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError, apiClient } from "../api-client.ts";

/** The clock the search waits on between keystrokes; tests pass a fake one. */
export interface SearchTimer {
  setTimeout(callback: () => void, milliseconds: number): unknown;
  clearTimeout(timer: unknown): void;
}

export interface ChatSearchOptions {
  api?: Pick<ApiClient, "searchChats">;
  /** Quiet time after the last keystroke before the search goes to the server. */
  debounceMs?: number;
  timer?: SearchTimer;
}

/** What the server found for one text, the pages loaded so far. */
export interface ChatSearchAnswer {
  query: string;
  results: ChatSearchHit[];
  nextCursor: string | null;
}

const browserTimer: SearchTimer = {
  setTimeout: (callback, milliseconds) => globalThis.setTimeout(callback, milliseconds),
  clearTimeout: (timer) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/**
 * Searches the user's chats (`GET /api/search`) while they type: a text goes to the server once
 * typing pauses, and an answer for an older text is dropped when it arrives late. The last
 * answer stays until the next one replaces it, so the results do not flicker between keystrokes.
 *
 * @example
 * const search = new ChatSearchController(this);
 * search.search(input.value); // later: search.answer?.results
 */
export class ChatSearchController implements ReactiveController {
  /** The text searched for, trimmed; empty when there is no search. */
  query = "";
  /** The latest answer; while `loading`, it may be for an earlier text. */
  answer: ChatSearchAnswer | undefined;
  /** A page is on its way, or the first one waits for typing to pause. */
  loading = false;
  error: ApiError | undefined;
  private readonly api: Pick<ApiClient, "searchChats">;
  private readonly debounceMs: number;
  private readonly timer: SearchTimer;
  private pending: unknown;
  /** Bumped by every new text: a page requested under an older one is stale. */
  private generation = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: ChatSearchOptions = {},
  ) {
    this.api = options.api ?? apiClient;
    this.debounceMs = options.debounceMs ?? 250;
    this.timer = options.timer ?? browserTimer;
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.search("");
  }

  /** The answer is for the text searched now and has more pages, and none is on its way. */
  get canLoadMore(): boolean {
    return (
      !this.loading && !this.error && this.answer?.query === this.query && this.answer.nextCursor !== null
    );
  }

  /** The text in the search box changed: it is searched once typing pauses; blank ends the search. */
  search(text: string): void {
    const query = text.trim();
    if (query === this.query) return;
    this.query = query;
    this.generation += 1;
    this.timer.clearTimeout(this.pending);
    this.pending = undefined;
    this.error = undefined;
    this.loading = query !== "";
    if (query) this.pending = this.timer.setTimeout(() => void this.loadPage(), this.debounceMs);
    else this.answer = undefined;
    this.host.requestUpdate();
  }

  /** Loads the next page of results (the end of them is in view). */
  async loadMore(): Promise<void> {
    if (this.canLoadMore) await this.loadPage(this.answer?.nextCursor ?? undefined);
  }

  /** Tries the failed page again. */
  async retry(): Promise<void> {
    if (!this.error) return;
    const current = this.answer?.query === this.query ? this.answer : undefined;
    await this.loadPage(current?.nextCursor ?? undefined);
  }

  private async loadPage(cursor?: string): Promise<void> {
    const { query, generation } = this;
    this.pending = undefined;
    this.loading = true;
    this.error = undefined;
    this.host.requestUpdate();
    try {
      const page = await this.api.searchChats(query, cursor);
      if (generation !== this.generation) return;
      const earlier = cursor && this.answer?.query === query ? this.answer.results : [];
      this.answer = { query, results: [...earlier, ...page.results], nextCursor: page.nextCursor };
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = ApiError.isInstance(error) ? error : new ApiError("INTERNAL", "The search failed.", 0);
    }
    this.loading = false;
    this.host.requestUpdate();
  }
}
