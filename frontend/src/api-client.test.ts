import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ChatSearchResults, RegenerateResponse } from "@chat/contracts";
import { ApiClient, ApiError } from "./api-client.ts";

type Call = { method: string; path: string };

/** A fake server: answers each path with the next of its queued statuses (then 200). */
function fakeServer(statuses: Record<string, number[]>) {
  const calls: Call[] = [];
  const fetchStub = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const path = new URL(String(input), "http://app.test").pathname;
    calls.push({ method: init?.method ?? "GET", path });
    await Bun.sleep(1);
    const status = statuses[path]?.shift() ?? 200;
    if (status === 200) return Response.json(path === "/api/me" ? { user: { id: "u1" } } : { chats: [] });
    return Response.json({ error: { code: "UNAUTHORIZED", message: "no" } }, { status });
  };
  return { calls, fetch: fetchStub as typeof fetch };
}

describe("ApiClient renews the session on a 401", () => {
  const originalFetch = globalThis.fetch;
  let unauthorized: number;
  let client: ApiClient;

  beforeEach(() => {
    unauthorized = 0;
    client = new ApiClient("http://app.test");
    client.addEventListener("unauthorized", () => {
      unauthorized += 1;
    });
  });
  afterEach(() => {
    globalThis.fetch = originalFetch;
  });

  test("refreshes once and repeats the call", async () => {
    const server = fakeServer({ "/api/chats": [401] });
    globalThis.fetch = server.fetch;

    expect(await client.listChats()).toEqual({ chats: [] } as never);
    expect(server.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      "GET /api/chats",
      "POST /api/auth/refresh",
      "GET /api/chats",
    ]);
    expect(unauthorized).toBe(0);
  });

  test("when the refresh fails too, the call fails with 401 and `unauthorized` is dispatched", async () => {
    const server = fakeServer({ "/api/chats": [401], "/api/auth/refresh": [401] });
    globalThis.fetch = server.fetch;

    const error = await client.listChats().catch((rejection: unknown) => rejection);
    expect(ApiError.isInstance(error) && error.status).toBe(401);
    expect(server.calls).toHaveLength(2);
    expect(unauthorized).toBe(1);
  });

  test("a call that fails again after the refresh is not retried a second time", async () => {
    const server = fakeServer({ "/api/chats": [401, 401] });
    globalThis.fetch = server.fetch;

    await client.listChats().catch(() => undefined);
    expect(server.calls).toHaveLength(3);
    expect(unauthorized).toBe(1);
  });

  test("calls that fail at the same time share one refresh (a refresh token works once)", async () => {
    const server = fakeServer({ "/api/chats": [401, 401, 401] });
    globalThis.fetch = server.fetch;

    await Promise.all([client.listChats(), client.listChats(), client.listChats()]);
    expect(server.calls.filter((call) => call.path === "/api/auth/refresh")).toHaveLength(1);
  });

  test("sign-in answers are not refreshed; /api/me is, without dispatching `unauthorized`", async () => {
    const server = fakeServer({ "/api/auth/login": [401], "/api/me": [401], "/api/auth/refresh": [401] });
    globalThis.fetch = server.fetch;

    await client.login({ email: "a@example.com", password: "x" }).catch(() => undefined);
    expect(server.calls.map((call) => call.path)).toEqual(["/api/auth/login"]);
    await client.me().catch(() => undefined);
    expect(server.calls.map((call) => call.path).slice(1)).toEqual(["/api/me", "/api/auth/refresh"]);
    expect(unauthorized).toBe(0);
  });
});

describe("ApiClient.searchChats", () => {
  const originalFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = originalFetch;
  });

  test("sends the text and the cursor encoded in the query string, and returns the answer", async () => {
    const answer: ChatSearchResults = {
      results: [
        {
          chat: {
            id: "c1",
            title: "Trip plans",
            model: "demo",
            createdAt: "2025-01-02T10:00:00.000Z",
            lastActivityAt: "2025-01-02T10:00:00.000Z",
          },
          match: {
            in: "message",
            messageId: "m1",
            role: "assistant",
            createdAt: "2025-01-02T10:00:00.000Z",
            snippet: "…pack for rain & sun…",
          },
        },
      ],
      nextCursor: "page-2",
    };
    const urls: string[] = [];
    globalThis.fetch = (async (input: string | URL | Request) => {
      urls.push(String(input));
      return Response.json(answer);
    }) as typeof fetch;
    const client = new ApiClient("http://app.test");

    expect(await client.searchChats("rain & sun?")).toEqual(answer);
    await client.searchChats("50% off", "a/b+c=");
    expect(urls).toEqual([
      "http://app.test/api/search?q=rain+%26+sun%3F",
      "http://app.test/api/search?q=50%25+off&cursor=a%2Fb%2Bc%3D",
    ]);
  });
});

describe("ApiClient.regenerate", () => {
  const originalFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = originalFetch;
  });

  test("posts the answer's id to the chat's regenerate path and returns the accepted turn", async () => {
    const answer: RegenerateResponse = {
      userMessage: {
        id: "m1",
        chatId: "c/1",
        role: "user",
        content: "Hi",
        createdAt: "2025-01-02T10:00:00.000Z",
      },
      assistantMessageId: "m3",
      replacedMessageId: "m2",
    };
    const requests: Array<{ url: string; method?: string; body: unknown }> = [];
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      requests.push({ url: String(input), method: init?.method, body: JSON.parse(String(init?.body)) });
      return Response.json(answer, { status: 202 });
    }) as typeof fetch;

    expect(await new ApiClient("http://app.test").regenerate("c/1", { messageId: "m2" })).toEqual(answer);
    expect(requests).toEqual([
      { url: "http://app.test/api/chats/c%2F1/regenerate", method: "POST", body: { messageId: "m2" } },
    ]);
  });

  test("a 409 NOT_LATEST_ANSWER becomes an ApiError with that code", async () => {
    globalThis.fetch = (async () =>
      Response.json(
        {
          error: {
            code: "NOT_LATEST_ANSWER",
            message: "Only the chat's latest answer can be answered again",
          },
        },
        { status: 409 },
      )) as unknown as typeof fetch;

    const error = await new ApiClient("http://app.test")
      .regenerate("c1", { messageId: "m2" })
      .catch((rejection: unknown) => rejection);
    expect(ApiError.isInstance(error) && [error.status, error.code]).toEqual([409, "NOT_LATEST_ANSWER"]);
  });
});
