import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { SseReader } from "../support/sse-reader.ts";
import { attemptUpgrade } from "../support/websocket-handshake.ts";
import { WebSocketReader } from "../support/websocket-reader.ts";

const allowedOrigin = "https://app.example.test";
const ticketTtlSeconds = 5;
/** Each test signs users up (argon2id) and some wait for a streamed answer: more than bun's 5 s default. */
const testTimeoutMs = 20_000;

type ErrorReply = { error: { code: string; message: string } };

describe("stream tickets: POST /api/stream-tickets, then ?ticket= on SSE and the WebSocket", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer(
      {
        CORS_ORIGINS: allowedOrigin,
        STREAM_TICKET_TTL_SECONDS: String(ticketTtlSeconds),
        // The access log is at info: the test reads it for tickets.
        LOG_LEVEL: "info",
      },
      { fullSpeedDemo: false },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function signedIn(name: string) {
    const client = new ChatApiClient(server.baseUrl);
    const registered = await client.register(name);
    const cookie = (registered.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const chatId = (await client.request("POST", "/api/chats", { title: `${name}'s chat` })).body
      .id as string;
    const ticket = async (): Promise<string> => {
      const issued = await client.request("POST", "/api/stream-tickets");
      expect(issued.status).toBe(201);
      return issued.body.ticket as string;
    };
    return { client, cookie, chatId, ticket };
  }

  /** An SSE request with nothing but the ticket: no cookie, no Authorization. */
  function sse(path: string, ticket: string): Promise<Response> {
    const separator = path.includes("?") ? "&" : "?";
    return fetch(`${server.baseUrl}${path}${separator}ticket=${encodeURIComponent(ticket)}`, {
      headers: { accept: "text/event-stream" },
    });
  }

  function socketUrl(ticket?: string): string {
    const base = `${server.baseUrl.replace(/^http/, "ws")}/ws`;
    return ticket === undefined ? base : `${base}?ticket=${encodeURIComponent(ticket)}`;
  }

  /** Tries the upgrade with fetch, to see the status and body of a refusal. */
  function upgradeAttempt(
    ticket: string | undefined,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const query = ticket === undefined ? "" : `?ticket=${encodeURIComponent(ticket)}`;
    return attemptUpgrade(`${server.baseUrl}/ws${query}`, headers);
  }

  async function expectUnauthorized(response: Response): Promise<void> {
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorReply).error.code).toBe("UNAUTHORIZED");
  }

  test(
    "issuing: 201 with the ticket and when it expires; signed-in callers only",
    async () => {
      const { client, cookie } = await signedIn("Ada");
      const before = Date.now();
      const issued = await client.request("POST", "/api/stream-tickets");
      expect(issued.status).toBe(201);
      expect(Object.keys(issued.body).sort()).toEqual(["expiresAt", "ticket"]);
      expect(issued.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const expiresAt = Date.parse(issued.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + ticketTtlSeconds * 1_000 - 1_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + ticketTtlSeconds * 1_000 + 1_000);
      expect(issued.headers.get("cache-control")).toBe("no-store");

      const byCookie = await fetch(`${server.baseUrl}/api/stream-tickets`, {
        method: "POST",
        headers: { cookie, origin: server.baseUrl },
      });
      expect(byCookie.status).toBe(201);
      await expectUnauthorized(await fetch(`${server.baseUrl}/api/stream-tickets`, { method: "POST" }));
      // A ticket does not get a ticket: only the stream URLs read it.
      const { ticket } = (await byCookie.json()) as { ticket: string };
      await expectUnauthorized(
        await fetch(`${server.baseUrl}/api/stream-tickets?ticket=${ticket}`, { method: "POST" }),
      );
    },
    testTimeoutMs,
  );

  test(
    "a ticket opens one chat stream, once; the stream then carries the chat's events",
    async () => {
      const { client, chatId, ticket } = await signedIn("Bea");
      const issued = await ticket();
      const response = await sse(`/api/chats/${chatId}/events`, issued);
      expect(response.status).toBe(200);
      const abort = new AbortController();
      const stream = new SseReader(response, abort);
      await client.request("POST", `/api/chats/${chatId}/messages`, { content: "Hello by ticket" });
      await stream.waitFor((event) => event.event === "message_complete");
      stream.close();

      await expectUnauthorized(await sse(`/api/chats/${chatId}/events`, issued));
      await expectUnauthorized(await sse("/api/events", issued));
    },
    testTimeoutMs,
  );

  test(
    "a ticket opens the user's own stream, once",
    async () => {
      const { ticket } = await signedIn("Cy");
      const issued = await ticket();
      const abort = new AbortController();
      const response = await fetch(`${server.baseUrl}/api/events?ticket=${issued}`, { signal: abort.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      abort.abort();
      await expectUnauthorized(await sse("/api/events", issued));
    },
    testTimeoutMs,
  );

  test(
    "an unknown or malformed ticket answers 401, even with a valid cookie beside it",
    async () => {
      const { chatId, cookie } = await signedIn("Dee");
      for (const ticket of ["A".repeat(43), "not-a-ticket", ""]) {
        await expectUnauthorized(await sse(`/api/chats/${chatId}/events`, ticket));
        await expectUnauthorized(
          await fetch(`${server.baseUrl}/api/events?ticket=${ticket}`, { headers: { cookie } }),
        );
        await expectUnauthorized(await upgradeAttempt(ticket, { cookie, origin: server.baseUrl }));
      }
      // Without a ticket, the cookie and Bearer still work.
      const byCookie = await SseReader.open(`${server.baseUrl}/api/chats/${chatId}/events`, { cookie });
      byCookie.close();
    },
    testTimeoutMs,
  );

  test(
    "an expired ticket answers 401",
    async () => {
      const { chatId, ticket } = await signedIn("Eve");
      const issued = await ticket();
      await Bun.sleep(ticketTtlSeconds * 1_000 + 300);
      await expectUnauthorized(await sse(`/api/chats/${chatId}/events`, issued));
    },
    ticketTtlSeconds * 1_000 + 10_000,
  );

  test(
    "user A's ticket on user B's chat answers 404, exactly as an unknown chat, and is spent",
    async () => {
      const alice = await signedIn("Alice");
      const bob = await signedIn("Bob");
      const foreign = await sse(`/api/chats/${bob.chatId}/events`, await alice.ticket());
      const unknown = await sse("/api/chats/no-such-chat/events", await alice.ticket());
      expect(foreign.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(await foreign.json()).toEqual(await unknown.json());

      const spent = await alice.ticket();
      expect((await sse(`/api/chats/${bob.chatId}/events`, spent)).status).toBe(404);
      await expectUnauthorized(await sse(`/api/chats/${alice.chatId}/events`, spent));
    },
    testTimeoutMs,
  );

  test(
    "a ticket opens one WebSocket; subscribing to another user's chat answers CHAT_NOT_FOUND",
    async () => {
      const alice = await signedIn("Ann");
      const bob = await signedIn("Ben");
      const issued = await alice.ticket();
      const socket = await WebSocketReader.open(socketUrl(issued), { origin: allowedOrigin });
      socket.send({ type: "subscribe", chatId: alice.chatId, requestId: "own" });
      expect(await socket.waitFor((frame) => frame.requestId === "own")).toMatchObject({
        type: "subscribed",
      });
      socket.send({ type: "subscribe", chatId: bob.chatId, requestId: "foreign" });
      socket.send({ type: "subscribe", chatId: "no-such-chat", requestId: "unknown" });
      const foreign = await socket.waitFor((frame) => frame.requestId === "foreign");
      const unknown = await socket.waitFor((frame) => frame.requestId === "unknown");
      expect(foreign).toMatchObject({ type: "error", code: "CHAT_NOT_FOUND", chatId: bob.chatId });
      expect({ ...foreign, chatId: null, requestId: null }).toEqual({
        ...unknown,
        chatId: null,
        requestId: null,
      });
      socket.close();

      await expectUnauthorized(await upgradeAttempt(issued));
      await expect(WebSocketReader.open(socketUrl(issued))).rejects.toThrow("closed before open");
    },
    testTimeoutMs,
  );

  test(
    "a ticket spent on SSE cannot open a WebSocket, nor one spent on a WebSocket an SSE stream",
    async () => {
      const { chatId, ticket } = await signedIn("Gil");
      const forSse = await ticket();
      const stream = await sse(`/api/chats/${chatId}/events`, forSse);
      expect(stream.status).toBe(200);
      await stream.body?.cancel();
      await expectUnauthorized(await upgradeAttempt(forSse));

      const forSocket = await ticket();
      const socket = await WebSocketReader.open(socketUrl(forSocket));
      socket.close();
      await expectUnauthorized(await sse(`/api/chats/${chatId}/events`, forSocket));
    },
    testTimeoutMs,
  );

  test(
    "a cross-origin upgrade is refused with a ticket and without one; the refusal spends no ticket",
    async () => {
      const { cookie, ticket } = await signedIn("Hal");
      const issued = await ticket();
      const withTicket = await upgradeAttempt(issued, { origin: "https://evil.example" });
      expect(withTicket.status).toBe(403);
      expect(((await withTicket.json()) as ErrorReply).error.code).toBe("FORBIDDEN_ORIGIN");
      const withCookie = await upgradeAttempt(undefined, { cookie, origin: "https://evil.example" });
      expect(withCookie.status).toBe(403);
      await expect(
        WebSocketReader.open(socketUrl(issued), { origin: "https://evil.example" }),
      ).rejects.toThrow("closed before open");

      const socket = await WebSocketReader.open(socketUrl(issued), { origin: allowedOrigin });
      socket.send({ type: "ping", requestId: "p" });
      await socket.waitFor((frame) => frame.type === "pong");
      socket.close();
    },
    testTimeoutMs,
  );

  test(
    "tickets never reach the access log: it logs the path without the query string",
    async () => {
      const { chatId, ticket } = await signedIn("Ivy");
      const issued = await ticket();
      const response = await sse(`/api/chats/${chatId}/events`, issued);
      await response.body?.cancel();
      await expectUnauthorized(await sse(`/api/chats/${chatId}/events`, issued));
      const deadline = Date.now() + 5_000;
      const logged = () =>
        server.process.output
          .join("")
          .split("\n")
          .filter((line) => line.includes(`/api/chats/${chatId}/events`));
      while (logged().length < 2 && Date.now() < deadline) await Bun.sleep(50);
      expect(logged().length).toBeGreaterThanOrEqual(2);
      for (const line of logged()) expect(JSON.parse(line).path).toBe(`/api/chats/${chatId}/events`);
      expect(server.process.output.join("")).not.toContain(issued);
    },
    testTimeoutMs,
  );
});
