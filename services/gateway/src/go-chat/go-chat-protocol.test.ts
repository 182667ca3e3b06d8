import { afterEach, expect, test } from "bun:test";
import type { LoggedChatEvent } from "@chat/contracts";
import { httpChatTransport, webSocketSessionOver } from "../chats/__fixtures__/chat-transports.ts";
import { fakeChat, fakeChatBackend } from "../chats/__fixtures__/fake-chat-backend.ts";
import { GoChatProtocol } from "./go-chat-protocol.ts";

const at = new Date("2026-12-06T11:00:00.000Z");
const clock = () => at;

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function goChatSession(projectId = fakeChat.id) {
  const backend = fakeChatBackend();
  const opened = await webSocketSessionOver(backend, new GoChatProtocol(projectId, clock));
  stops.push(opened.stop);
  return { backend, ...opened };
}

test("chat_message sends the very command POST /api/chats/:id/messages sends", async () => {
  const httpBackend = fakeChatBackend();
  await httpChatTransport(httpBackend).send(fakeChat.id, { content: "Hello" });
  const { backend, session, peer } = await goChatSession();
  await session.receive('{"type":"chat_message","content":"Hello","timestamp":"2026-12-06T10:59:59Z"}');

  const comparable = (commands: typeof backend.sent) =>
    commands.map(({ traceparent: _trace, id: _id, occurredAt: _at, ...command }) => command);
  expect(backend.sent.map((command) => command.type)).toEqual(["send_message"]);
  expect(comparable(backend.sent)).toEqual(comparable(httpBackend.sent));
  // The answer streams as events; the gateway's own acknowledgements have no Go Chat frame.
  expect(peer.frames).toEqual([]);
});

test("a refused message is an error frame with the code HTTP answers", async () => {
  const { backend, session, peer } = await goChatSession("chat-2");
  await session.receive('{"type":"chat_message","content":"Hi"}');
  expect(peer.frames).toEqual([
    { type: "error", code: "CHAT_NOT_FOUND", error: "Chat not found", timestamp: at.toISOString() },
  ]);
  expect(backend.sent).toEqual([]);
});

test("the project's answer events become Go Chat frames; other events and other chats' are not sent", async () => {
  const { session, peer } = await goChatSession();
  const answer = "Try:\n```go\nfmt.Println(1)\n```";
  const events: LoggedChatEvent[] = [
    {
      type: "message_start",
      eventId: "1-0",
      data: { chatId: fakeChat.id, messageId: "answer-1", model: "demo" },
    },
    {
      type: "message_chunk",
      eventId: "1-1",
      data: { chatId: fakeChat.id, messageId: "answer-1", content: "Tr", seq: 0 },
    },
    {
      type: "message_restart",
      eventId: "1-2",
      data: { chatId: fakeChat.id, messageId: "answer-1", attempt: 1 },
    },
    {
      type: "message_chunk",
      eventId: "1-3",
      data: { chatId: "chat-9", messageId: "answer-9", content: "x", seq: 0 },
    },
    { type: "chat_updated", eventId: "1-4", data: { chatId: fakeChat.id, chat: fakeChat } },
    {
      type: "error",
      eventId: "1-5",
      data: {
        chatId: fakeChat.id,
        messageId: "answer-1",
        code: "PROVIDER_TIMEOUT",
        error: "No answer",
        retryable: true,
      },
    },
    {
      type: "message_complete",
      eventId: "1-6",
      data: {
        chatId: fakeChat.id,
        messageId: "answer-1",
        fullContent: answer,
        codeBlocks: [{ language: "go", code: "fmt.Println(1)", startIndex: 5, endIndex: answer.length }],
        usage: { inputTokens: 1, outputTokens: 2 },
        finishReason: "stop",
        model: "demo",
        createdAt: at.toISOString(),
      },
    },
  ];
  for (const event of events) session.sendEvent(event);
  const timestamp = at.toISOString();
  expect(peer.frames).toEqual([
    { type: "message_start", messageId: "answer-1", timestamp },
    { type: "message_chunk", messageId: "answer-1", content: "Tr", timestamp },
    // A restart starts the answer over.
    { type: "message_start", messageId: "answer-1", timestamp },
    { type: "error", code: "PROVIDER_TIMEOUT", error: "No answer", timestamp },
    {
      type: "message_complete",
      messageId: "answer-1",
      fullContent: answer,
      codeBlocks: [
        {
          language: "go",
          code: "fmt.Println(1)",
          startIndex: 5,
          endIndex: answer.length,
          startLine: 2,
          endLine: 4,
        },
      ],
      timestamp,
    },
  ]);
});

test("a ping is answered by a bare pong; one with a timestamp gets it back, also when pings cross", async () => {
  const { session, peer } = await goChatSession();
  await Promise.all([
    session.receive('{"type":"ping"}'),
    session.receive('{"type":"ping","timestamp":1}'),
    session.receive('{"type":"ping","timestamp":"two"}'),
    session.receive('{"type":"ping","extra":"ignored"}'),
  ]);
  expect(peer.frames).toHaveLength(4);
  expect(peer.frames.filter((frame) => JSON.stringify(frame) === '{"type":"pong"}')).toHaveLength(2);
  expect(peer.frames).toContainEqual({ type: "pong", timestamp: 1 });
  expect(peer.frames).toContainEqual({ type: "pong", timestamp: "two" });
});

test("reading: only chat_message and ping, checked by the same measures as /ws", () => {
  const protocol = new GoChatProtocol(fakeChat.id, clock);
  expect(protocol.read('{"type":"chat_message","content":"Hi","timestamp":3}', 1024)).toEqual({
    ok: true,
    frame: { type: "chat_message", chatId: fakeChat.id, content: "Hi" },
  });
  const codeOf = (text: string) => {
    const reading = protocol.read(text, 64);
    return reading.ok ? "ok" : reading.error.code;
  };
  expect(codeOf(`{"type":"chat_message","content":"${"x".repeat(100)}"}`)).toBe("PAYLOAD_TOO_LARGE");
  expect(codeOf("{")).toBe("MALFORMED_JSON");
  expect(codeOf(`{"type":"cancel","chatId":"${fakeChat.id}"}`)).toBe("VALIDATION_FAILED");
  expect(codeOf('{"type":"chat_message","content":""}')).toBe("VALIDATION_FAILED");
});
