import { beforeEach, describe, expect, test } from "bun:test";
import type { ChatSearchHit, ChatSearchResults } from "@chat/contracts";
import type { ReactiveControllerHost } from "lit";
import { ApiError } from "../api-client.ts";
import { ChatSearchController, type SearchTimer } from "./chat-search-controller.ts";

function hit(chatId: string): ChatSearchHit {
  const at = "2025-03-04T05:06:07.000Z";
  return {
    chat: { id: chatId, title: `Chat ${chatId}`, model: "demo", createdAt: at, lastActivityAt: at },
    match: { in: "title" },
  };
}

/** A search the test answers (or fails) when it likes. */
type Call = {
  query: string;
  cursor?: string;
  answer(page: ChatSearchResults): Promise<void>;
  fail(error: unknown): Promise<void>;
};

describe("ChatSearchController", () => {
  let calls: Call[];
  let timers: Array<{ callback: () => void; milliseconds: number; cleared: boolean }>;
  let updates: number;
  let search: ChatSearchController;

  /** Runs the timers due, as if typing paused. */
  function pause(): void {
    for (const timer of timers.splice(0)) if (!timer.cleared) timer.callback();
  }

  beforeEach(() => {
    calls = [];
    timers = [];
    updates = 0;
    const host = {
      addController() {},
      removeController() {},
      requestUpdate() {
        updates += 1;
      },
      updateComplete: Promise.resolve(true),
    } satisfies ReactiveControllerHost;
    const timer: SearchTimer = {
      setTimeout(callback, milliseconds) {
        const entry = { callback, milliseconds, cleared: false };
        timers.push(entry);
        return entry;
      },
      clearTimeout(entry) {
        if (entry) (entry as { cleared: boolean }).cleared = true;
      },
    };
    const api = {
      searchChats(query: string, cursor?: string) {
        return new Promise<ChatSearchResults>((resolve, reject) => {
          /** Lets the controller's continuation run before the test looks. */
          const settled = () => new Promise<void>((done) => setTimeout(done, 0));
          calls.push({
            query,
            cursor,
            answer(page) {
              resolve(page);
              return settled();
            },
            fail(error) {
              reject(error);
              return settled();
            },
          });
        });
      },
    };
    search = new ChatSearchController(host, { api, timer, debounceMs: 250 });
  });

  test("searches the trimmed text once typing pauses for the debounce time, and keeps the answer", async () => {
    search.search("  rain ");
    expect(search.query).toBe("rain");
    expect(search.loading).toBe(true);
    expect(timers.map((timer) => timer.milliseconds)).toEqual([250]);
    expect(calls).toHaveLength(0);

    pause();
    expect(calls.map((call) => [call.query, call.cursor])).toEqual([["rain", undefined]]);
    await calls[0]?.answer({ results: [hit("c1")], nextCursor: null });
    expect(search.loading).toBe(false);
    expect(search.answer).toEqual({ query: "rain", results: [hit("c1")], nextCursor: null });
    expect(updates).toBeGreaterThan(0);
  });

  test("a newer keystroke cancels the wait for the older text: only the last is searched", () => {
    search.search("r");
    search.search("ra");
    search.search("rai");
    pause();
    expect(calls.map((call) => call.query)).toEqual(["rai"]);
  });

  test("the same text again (spaces aside) searches nothing new", () => {
    search.search("rain");
    pause();
    search.search("rain  ");
    expect(timers).toHaveLength(0);
    expect(calls).toHaveLength(1);
  });

  test("an answer for an older text that arrives late is dropped; the earlier answer stays until then", async () => {
    search.search("rai");
    pause();
    await calls[0]?.answer({ results: [hit("c1")], nextCursor: null });
    search.search("rain");
    pause();
    search.search("rainb");
    pause();
    expect(search.answer?.query).toBe("rai");

    await calls[2]?.answer({ results: [hit("c3")], nextCursor: null });
    await calls[1]?.answer({ results: [hit("c2")], nextCursor: null });
    expect(search.answer).toEqual({ query: "rainb", results: [hit("c3")], nextCursor: null });
    expect(search.loading).toBe(false);
  });

  test("a late failure of an older text is dropped too", async () => {
    search.search("rain");
    pause();
    search.search("rainbow");
    pause();
    await calls[0]?.fail(new ApiError("UNAVAILABLE", "down", 503));
    expect(search.error).toBeUndefined();
    expect(search.loading).toBe(true);
  });

  test("a blank text ends the search: no request, no answer, an answer on its way is dropped", async () => {
    search.search("rain");
    pause();
    search.search("   ");
    expect(search.query).toBe("");
    expect(search.loading).toBe(false);
    await calls[0]?.answer({ results: [hit("c1")], nextCursor: null });
    expect(search.answer).toBeUndefined();
    expect(timers).toHaveLength(0);
  });

  test("more pages come with the cursor and add to the results, one request at a time", async () => {
    search.search("rain");
    expect(search.canLoadMore).toBe(false);
    pause();
    await calls[0]?.answer({ results: [hit("c1"), hit("c2")], nextCursor: "p2" });
    expect(search.canLoadMore).toBe(true);

    void search.loadMore();
    void search.loadMore();
    expect(calls.map((call) => [call.query, call.cursor])).toEqual([
      ["rain", undefined],
      ["rain", "p2"],
    ]);
    await calls[1]?.answer({ results: [hit("c3")], nextCursor: null });
    expect(search.answer?.results.map((result) => result.chat.id)).toEqual(["c1", "c2", "c3"]);
    expect(search.canLoadMore).toBe(false);
  });

  test("no more pages of an earlier text while the next one is searched", async () => {
    search.search("rai");
    pause();
    await calls[0]?.answer({ results: [hit("c1")], nextCursor: "p2" });
    search.search("rain");
    expect(search.canLoadMore).toBe(false);
    await search.loadMore();
    expect(calls).toHaveLength(1);
  });

  test("a failure is kept as the error; retry asks for the same page again", async () => {
    search.search("rain");
    pause();
    await calls[0]?.answer({ results: [hit("c1")], nextCursor: "p2" });
    void search.loadMore();
    await calls[1]?.fail(new ApiError("UNAVAILABLE", "The server is busy.", 503));
    expect(search.error?.message).toBe("The server is busy.");
    expect(search.loading).toBe(false);
    expect(search.canLoadMore).toBe(false);

    void search.retry();
    expect(search.error).toBeUndefined();
    expect(calls[2]?.cursor).toBe("p2");
    await calls[2]?.answer({ results: [hit("c2")], nextCursor: null });
    expect(search.answer?.results.map((result) => result.chat.id)).toEqual(["c1", "c2"]);
  });

  test("a failed first page is retried from the start; an error that is not the API's gets a message", async () => {
    search.search("rain");
    pause();
    await calls[0]?.fail(new TypeError("boom"));
    expect(ApiError.isInstance(search.error) && search.error.message).toBe("The search failed.");

    void search.retry();
    expect(calls[1]?.cursor).toBeUndefined();
    await calls[1]?.answer({ results: [], nextCursor: null });
    expect(search.answer).toEqual({ query: "rain", results: [], nextCursor: null });
  });
});
