import { afterEach, describe, expect, test } from "bun:test";
import { webSocketSessionOver } from "../chats/__fixtures__/chat-transports.ts";
import { fakeChat, fakeChatBackend } from "../chats/__fixtures__/fake-chat-backend.ts";

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function session(options: Parameters<typeof fakeChatBackend>[0] = {}) {
  const backend = fakeChatBackend(options);
  const opened = await webSocketSessionOver(backend);
  stops.push(opened.stop);
  const send = (frame: Record<string, unknown>) => opened.session.receive(JSON.stringify(frame));
  return { ...opened, backend, send };
}

describe("WebSocketSession, in process", () => {
  test("ping answers pong with the requestId", async () => {
    const { peer, send } = await session();
    await send({ type: "ping", requestId: "p" });
    expect(peer.frames).toEqual([{ type: "pong", eventId: null, requestId: "p" }]);
  });

  test("chat_message subscribes the socket to the chat first, then answers message_accepted", async () => {
    const { peer, send, backend } = await session();
    await send({
      type: "chat_message",
      chatId: fakeChat.id,
      content: "Hi",
      clientMessageId: "c-1",
      requestId: "m",
    });
    expect(peer.frames.map((frame) => frame.type)).toEqual(["message_accepted"]);
    expect(peer.frames[0]).toMatchObject({
      eventId: null,
      chatId: fakeChat.id,
      requestId: "m",
      assistantMessageId: "answer-1",
      userMessage: { content: "Hi" },
    });
    expect(backend.sent.map((command) => command.type)).toEqual(["send_message"]);
    // Already followed: a subscribe without resumeFrom changes nothing and is answered.
    await send({ type: "subscribe", chatId: fakeChat.id, requestId: "s" });
    expect(peer.frames.at(-1)).toEqual({
      type: "subscribed",
      eventId: null,
      chatId: fakeChat.id,
      requestId: "s",
    });
  });

  test("a refused command is an error frame and the socket stays usable", async () => {
    const { peer, send, backend } = await session({ maxMessageChars: 3 });
    await send({ type: "chat_message", chatId: fakeChat.id, content: "too long", requestId: "long" });
    await send({ type: "cancel", chatId: "chat-2", requestId: "elsewhere" });
    await send({ type: "ping", requestId: "still" });
    expect(peer.frames).toEqual([
      expect.objectContaining({
        type: "error",
        code: "VALIDATION_FAILED",
        chatId: fakeChat.id,
        requestId: "long",
        retryable: false,
      }),
      expect.objectContaining({
        type: "error",
        code: "CHAT_NOT_FOUND",
        chatId: "chat-2",
        requestId: "elsewhere",
      }),
      { type: "pong", eventId: null, requestId: "still" },
    ]);
    expect(backend.sent.map((command) => command.type)).toEqual(["cancel_generation"]);
    expect(peer.closedWith).toBeNull();
  });

  test("over the generation limit the error frame says when to retry", async () => {
    const { peer, send } = await session({ generationsPerMinute: 1 });
    await send({ type: "chat_message", chatId: fakeChat.id, content: "one", requestId: "1" });
    await send({ type: "regenerate", chatId: fakeChat.id, messageId: "answer-1", requestId: "2" });
    expect(peer.frames.at(-1)).toMatchObject({
      type: "error",
      code: "RATE_LIMITED",
      requestId: "2",
      retryAfterMs: expect.any(Number),
    });
  });

  test("following an unknown chat answers CHAT_NOT_FOUND and sends no command", async () => {
    const { peer, send, backend } = await session();
    await send({ type: "chat_message", chatId: "chat-2", content: "Hi", requestId: "x" });
    expect(peer.frames).toEqual([
      expect.objectContaining({ type: "error", code: "CHAT_NOT_FOUND", requestId: "x" }),
    ]);
    expect(backend.sent).toEqual([]);
  });
});
