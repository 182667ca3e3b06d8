import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { attemptUpgrade } from "../support/websocket-handshake.ts";
import { type ServerFrame, WebSocketReader } from "../support/websocket-reader.ts";

const allowedOrigin = "https://app.example.test";
const maxBodyBytes = 64 * 1024;

async function signedIn(baseUrl: string, name: string) {
  const client = new ChatApiClient(baseUrl);
  const registered = await client.register(name);
  const cookie = (registered.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const chatId = (await client.request("POST", "/api/chats", { title: `${name}'s chat` })).body.id as string;
  return { client, cookie, chatId, bearer: { authorization: `Bearer ${client.token}` } };
}

function socketUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/ws`;
}

function eventIdsOf(frames: ServerFrame[]): string[] {
  return frames.map((frame) => frame.eventId as string);
}

/**
 * A WebSocket client written by hand over TCP, for what Bun's client does on its own: it does the
 * upgrade, reads the server's frames, and neither answers pings nor (when paused) reads at all.
 */
class RawWebSocket {
  readonly opcodes: number[] = [];
  readonly texts: string[] = [];
  closeCode: number | null = null;
  closeReason = "";
  ended = false;
  private buffer = Buffer.alloc(0);
  private upgraded = false;

  private constructor(readonly socket: Socket) {}

  static open(port: number, headers: Record<string, string>): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const raw = new RawWebSocket(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        raw.ended = true;
        if (!raw.upgraded) reject(new Error("closed before the upgrade"));
      });
      socket.on("data", (chunk: Buffer) => {
        raw.buffer = Buffer.concat([raw.buffer, chunk]);
        if (!raw.upgraded) {
          const end = raw.buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = raw.buffer.subarray(0, end).toString();
          raw.buffer = raw.buffer.subarray(end + 4);
          if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(head));
          raw.upgraded = true;
          resolve(raw);
        }
        raw.readFrames();
      });
      socket.on("connect", () => {
        const lines = [
          "GET /ws HTTP/1.1",
          `Host: 127.0.0.1:${port}`,
          "Connection: Upgrade",
          "Upgrade: websocket",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version: 13",
          ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        ];
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      });
    });
  }

  /** Sends a text frame, masked as a client must (with a zero mask, so the bytes stay readable). */
  sendText(text: string): boolean {
    const payload = Buffer.from(text);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    return this.socket.write(Buffer.concat([header, Buffer.alloc(4), payload]));
  }

  async waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`timed out; opcodes ${JSON.stringify(this.opcodes.slice(-10))}`);
      await Bun.sleep(20);
    }
  }

  private readFrames(): void {
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = (this.buffer[0] as number) & 0x0f;
      let length = (this.buffer[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      this.opcodes.push(opcode);
      if (opcode === 0x1) this.texts.push(payload.toString());
      if (opcode === 0x8 && payload.length >= 2) {
        this.closeCode = payload.readUInt16BE(0);
        this.closeReason = payload.subarray(2).toString();
      }
    }
  }
}

describe("GET /ws: the WebSocket transport", () => {
  let server: EmbeddedServer;
  let url: string;

  beforeAll(async () => {
    server = await startEmbeddedServer(
      {
        MAX_BODY_BYTES: String(maxBodyBytes),
        CORS_ORIGINS: allowedOrigin,
        WS_PING_INTERVAL_MS: "200",
        WS_PONG_TIMEOUT_MS: "300",
      },
      { fullSpeedDemo: false },
    );
    url = socketUrl(server.baseUrl);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("round trip: subscribe, chat_message, the answer streams with event ids", async () => {
    const { chatId, bearer } = await signedIn(server.baseUrl, "Ada");
    const socket = await WebSocketReader.open(url, bearer);
    socket.send({ type: "subscribe", chatId, requestId: "s-1" });
    expect(await socket.waitFor((frame) => frame.type === "subscribed")).toEqual({
      type: "subscribed",
      eventId: null,
      chatId,
      requestId: "s-1",
    });

    socket.send({
      type: "chat_message",
      chatId,
      content: "Hello over a socket",
      clientMessageId: "c-1",
      requestId: "m-1",
    });
    const accepted = await socket.waitFor((frame) => frame.type === "message_accepted");
    expect(accepted).toMatchObject({ eventId: null, chatId, requestId: "m-1" });
    expect(accepted.userMessage).toMatchObject({
      role: "user",
      content: "Hello over a socket",
      clientMessageId: "c-1",
    });
    const complete = await socket.waitFor((frame) => frame.type === "message_complete");

    const events = socket.eventsOf(chatId);
    expect(events.map((frame) => frame.type)).toEqual([
      "message_created",
      "message_start",
      ...events.slice(2, -1).map(() => "message_chunk"),
      "message_complete",
    ]);
    expect(events[0]?.message.id).toBe(accepted.userMessage.id);
    expect(events[1]?.messageId).toBe(accepted.assistantMessageId);
    expect(new Set(eventIdsOf(events)).size).toBe(events.length);
    const chunks = events.filter((frame) => frame.type === "message_chunk");
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_, index) => index));
    expect(chunks.map((chunk) => chunk.content).join("")).toBe(complete.fullContent);
    expect(complete).toMatchObject({ finishReason: "stop", messageId: accepted.assistantMessageId });
    expect(complete.codeBlocks.length).toBeGreaterThan(0);
    socket.close();
  });

  test("a second device (cookie) and an SSE client see the same message and stream", async () => {
    const { client, chatId, bearer, cookie } = await signedIn(server.baseUrl, "Bea");
    const phone = await WebSocketReader.open(url, bearer);
    const laptop = await WebSocketReader.open(url, { cookie, origin: server.baseUrl });
    laptop.send({ type: "subscribe", chatId });
    await laptop.waitFor((frame) => frame.type === "subscribed");
    const sse = await client.events(`/api/chats/${chatId}/events`);

    phone.send({ type: "chat_message", chatId, content: "Seen everywhere?" });
    const [onPhone, onLaptop] = await Promise.all(
      [phone, laptop].map((socket) => socket.waitFor((frame) => frame.type === "message_complete")),
    );
    const onSse = await sse.waitFor((event) => event.event === "message_complete");
    sse.close();

    expect(onLaptop).toEqual(onPhone as ServerFrame);
    const fromSse: ServerFrame = { type: "message_complete", eventId: onSse.id, ...(onSse.data as object) };
    expect(fromSse).toEqual(onPhone as ServerFrame);
    const created = phone.eventsOf(chatId)[0] as ServerFrame;
    expect(created.type).toBe("message_created");
    expect(laptop.eventsOf(chatId)[0]).toEqual(created);
    expect(sse.events.find((event) => event.event === "message_created")?.id).toBe(created.eventId as string);
    expect(eventIdsOf(laptop.eventsOf(chatId))).toEqual(eventIdsOf(phone.eventsOf(chatId)));
    expect(sse.events.filter((event) => event.id).map((event) => event.id)).toEqual(
      eventIdsOf(phone.eventsOf(chatId)),
    );
    phone.close();
    laptop.close();
  });

  test("resumeFrom replays exactly what was missed; an id the log lacks answers RESUME_EXPIRED", async () => {
    const { chatId, bearer } = await signedIn(server.baseUrl, "Cy");
    const observer = await WebSocketReader.open(url, bearer);
    observer.send({ type: "subscribe", chatId });
    await observer.waitFor((frame) => frame.type === "subscribed");
    const dropped = await WebSocketReader.open(url, bearer);

    dropped.send({ type: "chat_message", chatId, content: "Tell me a long story" });
    await dropped.waitFor((frame) => frame.type === "message_chunk" && frame.seq >= 3);
    dropped.close();
    await dropped.closed();
    const before = dropped.eventsOf(chatId);
    const lastSeen = before.at(-1)?.eventId as string;

    const resumed = await WebSocketReader.open(url, bearer);
    resumed.send({ type: "subscribe", chatId, resumeFrom: lastSeen, requestId: "again" });
    await resumed.waitFor((frame) => frame.type === "message_complete");
    await observer.waitFor((frame) => frame.type === "message_complete");

    const after = resumed.eventsOf(chatId);
    expect(after.length).toBeGreaterThan(0);
    expect([...eventIdsOf(before), ...eventIdsOf(after)]).toEqual(eventIdsOf(observer.eventsOf(chatId)));
    expect(resumed.frames.some((frame) => frame.type === "error")).toBe(false);

    for (const resumeFrom of ["bogus", "someotherepoch:1-0"]) {
      const late = await WebSocketReader.open(url, bearer);
      late.send({ type: "subscribe", chatId, resumeFrom, requestId: "late" });
      expect(await late.waitFor((frame) => frame.type === "error")).toMatchObject({
        eventId: null,
        chatId,
        code: "RESUME_EXPIRED",
        retryable: false,
        requestId: "late",
      });
      await late.waitFor((frame) => frame.type === "subscribed");
      late.close();
    }
    observer.close();
    resumed.close();
  });

  test("malformed frames answer error frames and the socket stays usable", async () => {
    const { chatId, bearer } = await signedIn(server.baseUrl, "Dot");
    const socket = await WebSocketReader.open(url, bearer);
    const cases: Array<[unknown, string, string | undefined]> = [
      ["this is not json", "MALFORMED_JSON", undefined],
      ["{broken", "MALFORMED_JSON", undefined],
      ["[1, 2]", "VALIDATION_FAILED", undefined],
      [{ type: "dance", requestId: "r-unknown" }, "VALIDATION_FAILED", "r-unknown"],
      [{ type: "subscribe", requestId: "r-missing" }, "VALIDATION_FAILED", "r-missing"],
      [{ type: "chat_message", chatId, requestId: "r-no-content" }, "VALIDATION_FAILED", "r-no-content"],
      [{ type: "chat_message", chatId, content: "", requestId: "r-empty" }, "VALIDATION_FAILED", "r-empty"],
      [
        { type: "chat_message", chatId, content: "x".repeat(32_001), requestId: "r-long" },
        "VALIDATION_FAILED",
        "r-long",
      ],
      [{ type: "ping", extra: true, requestId: "r-extra" }, "VALIDATION_FAILED", "r-extra"],
      [
        { type: "chat_message", chatId, content: "hi", model: "no-such-model", requestId: "r-model" },
        "MODEL_NOT_AVAILABLE",
        "r-model",
      ],
      [{ type: "ping", padding: "y".repeat(maxBodyBytes), requestId: "r-big" }, "PAYLOAD_TOO_LARGE", "r-big"],
    ];
    for (const [frame, code, requestId] of cases) {
      const seen = socket.frames.length;
      socket.send(frame);
      const error = await socket.waitFor(
        (answer) => socket.frames.indexOf(answer) >= seen && answer.type === "error",
      );
      expect(error).toMatchObject({ eventId: null, code, retryable: false });
      expect(error.requestId).toBe(requestId as string);
    }
    const withDetails = socket.frames.find((frame) => frame.requestId === "r-long");
    expect(withDetails?.details?.[0]?.path).toBe("/content");

    socket.send({ type: "ping", requestId: "still-there" });
    expect(await socket.waitFor((frame) => frame.type === "pong")).toEqual({
      type: "pong",
      eventId: null,
      requestId: "still-there",
    });
    expect(socket.closeEvent).toBeNull();
    socket.close();
  });

  test("another user's chat (or an unknown one) answers CHAT_NOT_FOUND and leaks nothing", async () => {
    const owner = await signedIn(server.baseUrl, "Eve");
    const stranger = await signedIn(server.baseUrl, "Mallory");
    const socket = await WebSocketReader.open(url, stranger.bearer);
    for (const type of ["subscribe", "chat_message", "cancel", "update_chat", "delete_chat"] as const) {
      const frame =
        type === "chat_message"
          ? { type, chatId: owner.chatId, content: "Let me in", requestId: type }
          : type === "update_chat"
            ? { type, chatId: owner.chatId, title: "Mine now", requestId: type }
            : { type, chatId: owner.chatId, requestId: type };
      socket.send(frame);
      expect(await socket.waitFor((answer) => answer.requestId === type)).toMatchObject({
        type: "error",
        eventId: null,
        code: "CHAT_NOT_FOUND",
        chatId: owner.chatId,
        retryable: false,
      });
    }
    socket.send({ type: "subscribe", chatId: "no-such-chat", requestId: "unknown" });
    expect(await socket.waitFor((answer) => answer.requestId === "unknown")).toMatchObject({
      code: "CHAT_NOT_FOUND",
    });

    expect((await owner.client.request("GET", `/api/chats/${owner.chatId}`)).body.title).toBe("Eve's chat");
    const ownerSocket = await WebSocketReader.open(url, owner.bearer);
    ownerSocket.send({ type: "chat_message", chatId: owner.chatId, content: "Private" });
    await ownerSocket.waitFor((frame) => frame.type === "message_complete");
    expect(socket.eventsOf(owner.chatId)).toEqual([]);
    socket.close();
    ownerSocket.close();
  });

  test("the upgrade needs a session: none answers 401", async () => {
    const refused = await attemptUpgrade(`${server.baseUrl}/ws`, {});
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const forged = await attemptUpgrade(`${server.baseUrl}/ws`, { authorization: "Bearer not-a-token" });
    expect(forged.status).toBe(401);
    await expect(WebSocketReader.open(url)).rejects.toThrow("closed before open");
  });

  test("a foreign Origin answers 403; the gateway's own and CORS_ORIGINS are let in", async () => {
    const { bearer, cookie } = await signedIn(server.baseUrl, "Gus");
    const foreign = await attemptUpgrade(`${server.baseUrl}/ws`, { cookie, origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN_ORIGIN");
    expect((await attemptUpgrade(`${server.baseUrl}/ws`, { ...bearer, origin: "null" })).status).toBe(403);
    await expect(WebSocketReader.open(url, { cookie, origin: "https://evil.example" })).rejects.toThrow();

    for (const origin of [server.baseUrl, allowedOrigin]) {
      const socket = await WebSocketReader.open(url, { cookie, origin });
      socket.send({ type: "ping" });
      await socket.waitFor((frame) => frame.type === "pong");
      socket.close();
    }
  });

  test("a cancel frame stops the answer: message_complete with finishReason cancelled", async () => {
    const { chatId, bearer } = await signedIn(server.baseUrl, "Hal");
    const socket = await WebSocketReader.open(url, bearer);
    socket.send({ type: "cancel", chatId, requestId: "idle" });
    expect(await socket.waitFor((frame) => frame.requestId === "idle")).toEqual({
      type: "cancel_accepted",
      eventId: null,
      chatId,
      requestId: "idle",
      cancelled: false,
      messageId: null,
    });

    socket.send({ type: "chat_message", chatId, content: "Write something long", requestId: "send" });
    const accepted = await socket.waitFor((frame) => frame.type === "message_accepted");
    await socket.waitFor((frame) => frame.type === "message_chunk");
    socket.send({ type: "chat_message", chatId, content: "And another", requestId: "busy" });
    expect(await socket.waitFor((frame) => frame.requestId === "busy")).toMatchObject({
      type: "error",
      code: "CHAT_BUSY",
      retryable: true,
    });
    socket.send({ type: "cancel", chatId, requestId: "stop" });
    expect(await socket.waitFor((frame) => frame.requestId === "stop")).toMatchObject({
      type: "cancel_accepted",
      cancelled: true,
      messageId: accepted.assistantMessageId,
    });
    const complete = await socket.waitFor((frame) => frame.type === "message_complete");
    expect(complete).toMatchObject({ messageId: accepted.assistantMessageId, finishReason: "cancelled" });

    socket.send({ type: "chat_message", chatId, content: "Free again?", requestId: "next" });
    await socket.waitFor((frame) => frame.requestId === "next" && frame.type === "message_accepted");
    socket.close();
  });

  test("a regenerate frame answers the latest question again: branch_switched, then the new answer", async () => {
    const { chatId, bearer } = await signedIn(server.baseUrl, "Ren");
    const socket = await WebSocketReader.open(url, bearer);
    socket.send({ type: "chat_message", chatId, content: "Answer twice", requestId: "send" });
    const sent = await socket.waitFor((frame) => frame.type === "message_accepted");
    await socket.waitFor((frame) => frame.type === "message_complete");
    // The actor ends a turn when the orchestrator reports it, a moment after message_complete.
    const regenerateWhenIdle = async (messageId: string, requestId: string) => {
      for (let attempt = 0; ; attempt++) {
        socket.send({ type: "regenerate", chatId, messageId, requestId: `${requestId}-${attempt}` });
        const reply = await socket.waitFor((frame) => frame.requestId === `${requestId}-${attempt}`);
        if (reply.code !== "CHAT_BUSY" || attempt === 50) return reply;
        await Bun.sleep(100);
      }
    };

    expect(await regenerateWhenIdle(sent.userMessage.id, "wrong")).toMatchObject({
      type: "error",
      code: "NOT_LATEST_ANSWER",
      retryable: false,
    });
    const accepted = await regenerateWhenIdle(sent.assistantMessageId, "again");
    expect(accepted).toMatchObject({
      type: "regenerate_accepted",
      eventId: null,
      chatId,
      userMessage: { id: sent.userMessage.id },
      replacedMessageId: sent.assistantMessageId,
    });
    const complete = await socket.waitFor(
      (frame) => frame.type === "message_complete" && frame.messageId === accepted.assistantMessageId,
    );
    expect(complete.finishReason).toBe("stop");
    const turn = socket.eventsOf(chatId).filter((frame) => frame.type !== "message_chunk");
    expect(turn.map((frame) => frame.type)).toEqual([
      "message_created",
      "message_start",
      "message_complete",
      "branch_switched",
      "message_start",
      "message_complete",
    ]);
    // The path ends at the question again; the old answer stays as a version.
    expect(turn[3]).toMatchObject({ chatId, activeLeafId: sent.userMessage.id });
    socket.send({ type: "regenerate", chatId, requestId: "bad" });
    expect(await socket.waitFor((frame) => frame.requestId === "bad")).toMatchObject({
      type: "error",
      code: "VALIDATION_FAILED",
    });
    socket.close();
  });

  test("the user's own stream: a rename on one device reaches every socket once", async () => {
    const { client, chatId, bearer } = await signedIn(server.baseUrl, "Ivy");
    const following = await WebSocketReader.open(url, bearer);
    following.send({ type: "subscribe", chatId });
    await following.waitFor((frame) => frame.type === "subscribed");
    const idle = await WebSocketReader.open(url, bearer);
    idle.send({ type: "ping" });
    await idle.waitFor((frame) => frame.type === "pong");

    expect((await client.request("PATCH", `/api/chats/${chatId}`, { title: "Renamed" })).status).toBe(200);
    for (const socket of [following, idle]) {
      const updated = await socket.waitFor((frame) => frame.type === "chat_updated");
      expect(updated.chat.title).toBe("Renamed");
      await socket.waitFor((frame) => frame.type === "notification");
    }
    // Heard on the chat's stream and on the user's, sent once.
    await Bun.sleep(200);
    expect(following.frames.filter((frame) => frame.type === "chat_updated")).toHaveLength(1);
    following.close();
    idle.close();
  });

  test("update_chat and delete_chat frames do what PATCH and DELETE /api/chats/:id do; another device hears them", async () => {
    const { client, chatId, bearer } = await signedIn(server.baseUrl, "Jo");
    const socket = await WebSocketReader.open(url, bearer);
    const otherDevice = await WebSocketReader.open(url, bearer);
    otherDevice.send({ type: "ping" });
    await otherDevice.waitFor((frame) => frame.type === "pong");

    socket.send({
      type: "update_chat",
      chatId,
      title: "Over the socket",
      temperature: 0.4,
      pinned: true,
      requestId: "u1",
    });
    const accepted = await socket.waitFor((frame) => frame.requestId === "u1");
    expect(accepted.type).toBe("chat_update_accepted");
    expect(accepted.chat).toMatchObject({
      id: chatId,
      title: "Over the socket",
      temperature: 0.4,
      pinned: true,
    });
    const heard = await otherDevice.waitFor((frame) => frame.type === "chat_updated");
    expect(heard.chat.title).toBe("Over the socket");
    expect((await client.request("GET", `/api/chats/${chatId}`)).body).toMatchObject({
      title: "Over the socket",
      temperature: 0.4,
    });

    socket.send({ type: "update_chat", chatId, requestId: "u2" });
    expect(await socket.waitFor((frame) => frame.requestId === "u2")).toMatchObject({
      type: "error",
      code: "VALIDATION_FAILED",
    });
    socket.send({ type: "update_chat", chatId, temperature: 3, requestId: "u3" });
    expect(await socket.waitFor((frame) => frame.requestId === "u3")).toMatchObject({
      type: "error",
      code: "VALIDATION_FAILED",
    });

    socket.send({ type: "delete_chat", chatId, requestId: "d1" });
    expect(await socket.waitFor((frame) => frame.requestId === "d1")).toMatchObject({
      type: "chat_deleted",
      chatId,
    });
    expect((await client.request("GET", `/api/chats/${chatId}`)).status).toBe(404);
    socket.send({ type: "delete_chat", chatId, requestId: "d2" });
    expect(await socket.waitFor((frame) => frame.requestId === "d2")).toMatchObject({
      type: "error",
      code: "CHAT_NOT_FOUND",
    });
    socket.close();
    otherDevice.close();
  });

  test("keep-alive: a socket that answers pings stays; one that does not is closed", async () => {
    const { bearer } = await signedIn(server.baseUrl, "Jo");
    const healthy = await WebSocketReader.open(url, bearer);
    const silent = await RawWebSocket.open(server.process.port, bearer);

    await silent.waitUntil(() => silent.opcodes.includes(0x9));
    await silent.waitUntil(() => silent.ended);

    expect(healthy.closeEvent).toBeNull();
    healthy.send({ type: "ping", requestId: "alive" });
    await healthy.waitFor((frame) => frame.requestId === "alive");
    healthy.close();
  });
});

describe("GET /ws: slow clients and shutdown", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      DEMO_TOKENS_PER_SECOND: "0",
      WS_MAX_BUFFERED_BYTES: "1024",
      WS_PING_INTERVAL_MS: "60000",
      WS_PONG_TIMEOUT_MS: "10000",
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("a client that stops reading is closed with 1013 and told to resume", async () => {
    const { client, chatId, bearer } = await signedIn(server.baseUrl, "Kim");
    // A chat whose log is big: every replay of it is some 300 KB of frames.
    const events = await client.events(`/api/chats/${chatId}/events`);
    for (let turn = 1; turn <= 10; turn++) {
      const body = { content: `${turn} ${"z".repeat(30_000)}` };
      // The chat takes the next message a moment after message_complete; CHAT_BUSY until then.
      while ((await client.request("POST", `/api/chats/${chatId}/messages`, body)).status === 409)
        await Bun.sleep(20);
    }
    await events.waitFor(
      () => events.events.filter((event) => event.event === "message_complete").length === 10,
    );
    const first = events.events.find((event) => event.event === "message_created") as { id: string };
    events.close();

    const slow = await RawWebSocket.open(server.process.port, bearer);
    slow.socket.pause();
    for (let replay = 0; replay < 200 && !slow.ended; replay++) {
      slow.sendText(JSON.stringify({ type: "subscribe", chatId, resumeFrom: first.id }));
      // One replay at a time: a subscribe that arrives before the last one is fed replaces it.
      await Bun.sleep(10);
    }
    slow.socket.resume();
    await slow.waitUntil(() => slow.closeCode !== null || slow.ended);
    expect(slow.closeCode).toBe(1013);
    expect(slow.closeReason).toContain("resumeFrom");
    expect(slow.texts.length).toBeGreaterThan(0);
  });

  test("on stop, every socket is closed with 1012 (service restart)", async () => {
    const { bearer } = await signedIn(server.baseUrl, "Lou");
    const socket = await WebSocketReader.open(socketUrl(server.baseUrl), bearer);
    socket.send({ type: "ping" });
    await socket.waitFor((frame) => frame.type === "pong");
    const stopped = server.stop();
    expect((await socket.closed()).code).toBe(1012);
    expect(await stopped).toBe(0);
  });
});
