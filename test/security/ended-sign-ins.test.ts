import { afterAll, beforeAll, expect, test } from "bun:test";
import { WebSocketCloseCode } from "@chat/contracts";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { SseReader } from "../support/sse-reader.ts";
import { webSocketHandshake } from "../support/websocket-handshake.ts";

/**
 * A sign-in that ended (logout) stops everywhere, against the real embedded server: HTTP with a
 * Bearer token only, a WebSocket that was already open (closed with 4401), a stream ticket issued
 * before, SSE streams that were already open (ended at their next heartbeat), and after the
 * embedded process restarts on the same data directory.
 */

let server: EmbeddedServer;

beforeAll(async () => {
  // Pings and heartbeats (and with them the sign-in checks of idle sockets and streams) come
  // often, so a test waits little.
  server = await startEmbeddedServer({ WS_PING_INTERVAL_MS: "300", SSE_HEARTBEAT_MS: "300" });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** Logout as a browser does: the refresh cookie (and the session cookie) only. */
async function logOutWithCookies(client: ChatApiClient): Promise<void> {
  const response = await client.request("POST", "/api/auth/logout", undefined, {
    authorization: "",
    cookie: client.cookieHeader(),
    origin: client.baseUrl,
  });
  expect(response.status).toBe(204);
}

test("a WebSocket that keeps sending chat_message after logout is closed with 4401", async () => {
  const client = await ChatApiClient.signUp(server.baseUrl, "Sender");
  const chat = await client.request("POST", "/api/chats", {});
  expect(chat.status).toBe(201);
  const socket = await client.socket();
  socket.send({ type: "ping", requestId: "before" });
  await socket.waitFor((frame) => frame.type === "pong");

  await logOutWithCookies(client);
  expect((await client.request("GET", "/api/me")).status).toBe(401);
  socket.send({ type: "chat_message", requestId: "after", chatId: chat.body.id, content: "still here?" });

  const closed = await socket.closed();
  expect(closed.code).toBe(WebSocketCloseCode.signedOut);
  expect(closed.reason).toContain("sign");
  expect(socket.frames.some((frame) => frame.type === "message_accepted")).toBe(false);
}, 30_000);

test("an idle WebSocket is closed with 4401 once its sign-in ends; another sign-in's socket stays", async () => {
  const client = await ChatApiClient.signUp(server.baseUrl, "Idle");
  const otherDevice = new ChatApiClient(server.baseUrl);
  const email = (await client.request("GET", "/api/me")).body.user.email;
  expect((await otherDevice.login(email)).status).toBe(200);
  const idle = await client.socket();
  const other = await otherDevice.socket();

  await logOutWithCookies(client);
  expect((await idle.closed()).code).toBe(WebSocketCloseCode.signedOut);
  other.send({ type: "ping", requestId: "other" });
  await other.waitFor((frame) => frame.type === "pong" && frame.requestId === "other");
  other.close();
}, 30_000);

test("open SSE streams end at the next heartbeat once their sign-in ends; another sign-in's stream stays", async () => {
  const client = await ChatApiClient.signUp(server.baseUrl, "Streams");
  const otherDevice = new ChatApiClient(server.baseUrl);
  const email = (await client.request("GET", "/api/me")).body.user.email;
  expect((await otherDevice.login(email)).status).toBe(200);
  const chat = await client.request("POST", "/api/chats", {});
  const bearer = (device: ChatApiClient) => ({ authorization: `Bearer ${device.token}` });
  const chatEvents = `${server.baseUrl}/api/chats/${chat.body.id}/events`;
  const chatStream = await SseReader.open(chatEvents, bearer(client));
  const userStream = await SseReader.open(`${server.baseUrl}/api/events`, bearer(client));
  const otherStream = await SseReader.open(chatEvents, bearer(otherDevice));

  await logOutWithCookies(client);
  await Promise.all([chatStream.finished(), userStream.finished()]);

  const heartbeatsBefore = otherStream.comments;
  await Bun.sleep(700);
  expect(otherStream.ended).toBe(false);
  expect(otherStream.comments).toBeGreaterThan(heartbeatsBefore);
  otherStream.close();
  const reconnect = await fetch(chatEvents, { headers: bearer(client) });
  expect(reconnect.status).toBe(401);
  expect((await reconnect.json()).error.code).toBe("UNAUTHORIZED");
}, 30_000);

test("logout with only a Bearer token ends that sign-in: the same Bearer then answers 401", async () => {
  const client = await ChatApiClient.signUp(server.baseUrl, "Bearer");
  expect((await client.request("GET", "/api/me")).status).toBe(200);
  const logout = await client.request("POST", "/api/auth/logout");
  expect(logout.status).toBe(204);
  expect((await client.request("GET", "/api/me")).status).toBe(401);
  const refreshed = await client.request("POST", "/api/auth/refresh", undefined, {
    cookie: client.cookieHeader(),
    origin: client.baseUrl,
  });
  expect(refreshed.status).toBe(401);
});

test("a stream ticket issued before logout no longer opens a WebSocket", async () => {
  const client = await ChatApiClient.signUp(server.baseUrl, "Ticket");
  const issued = await client.request("POST", "/api/stream-tickets");
  expect(issued.status).toBe(201);
  await logOutWithCookies(client);
  const answer = await webSocketHandshake(`${server.baseUrl}/ws?ticket=${issued.body.ticket}`, {});
  expect(answer.status).toBe(401);
});

test("a revoked access token is still refused after the embedded process restarts", async () => {
  const client = await ChatApiClient.signUp(server.baseUrl, "Restart");
  const token = client.token as string;
  await logOutWithCookies(client);
  expect((await client.request("GET", "/api/me")).status).toBe(401);

  await server.restart();

  expect((await client.request("GET", "/api/me")).status).toBe(401);
  await expect(client.socket(token)).rejects.toThrow();
  const stillSignedIn = await ChatApiClient.signUp(server.baseUrl, "AfterRestart");
  expect((await stillSignedIn.request("GET", "/api/me")).status).toBe(200);
}, 60_000);
