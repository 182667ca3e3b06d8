import { afterEach, describe, expect, test } from "bun:test";
import {
  type ChatTransport,
  httpChatTransport,
  type TransportAnswer,
  webSocketChatTransport,
  webSocketSessionOver,
} from "./__fixtures__/chat-transports.ts";
import { fakeChat, fakeChatBackend } from "./__fixtures__/fake-chat-backend.ts";

type Step = (transport: ChatTransport) => Promise<TransportAnswer>;

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/**
 * Runs the same steps over HTTP and over the WebSocket, each against its own fresh backend, and
 * returns both transports' answers and the commands each sent on the bus.
 */
async function overBothTransports(steps: Step[], options: Parameters<typeof fakeChatBackend>[0] = {}) {
  const httpBackend = fakeChatBackend(options);
  const webSocketBackend = fakeChatBackend(options);
  const http = httpChatTransport(httpBackend);
  const webSocket = await webSocketChatTransport(webSocketBackend);
  stops.push(webSocket.stop);
  const answers = { http: [] as TransportAnswer[], webSocket: [] as TransportAnswer[] };
  for (const step of steps) {
    answers.http.push(await step(http));
    answers.webSocket.push(await step(webSocket.transport));
  }
  return { answers, sent: { http: httpBackend.sent, webSocket: webSocketBackend.sent } };
}

describe("HTTP and the WebSocket share one implementation of each chat command", () => {
  test("send, regenerate and cancel answer the same replies and send the same commands", async () => {
    const { answers, sent } = await overBothTransports([
      (transport) => transport.send(fakeChat.id, { content: "Hello", clientMessageId: "c-1" }),
      (transport) => transport.send(fakeChat.id, { content: "Again", model: "demo" }),
      (transport) => transport.regenerate(fakeChat.id, { messageId: "answer-1", clientMessageId: "c-2" }),
      (transport) => transport.cancel(fakeChat.id),
    ]);
    expect(answers.webSocket).toEqual(answers.http);
    expect(answers.http[0]).toMatchObject({ reply: { assistantMessageId: "answer-1" } });
    expect(answers.http[3]).toEqual({ reply: { cancelled: true, messageId: "answer-1" } });
    expect(sent.webSocket.map((command) => command.type)).toEqual([
      "send_message",
      "send_message",
      "regenerate_answer",
      "cancel_generation",
    ]);
    const withoutTrace = (commands: typeof sent.http) =>
      commands.map(({ traceparent: _traceparent, ...command }) => command);
    expect(withoutTrace(sent.webSocket)).toEqual(withoutTrace(sent.http));
  });

  test("the same refusals: too long, unknown model, the actor's own, over the generation limit", async () => {
    const { answers, sent } = await overBothTransports(
      [
        (transport) => transport.send(fakeChat.id, { content: "x".repeat(21) }),
        (transport) => transport.send(fakeChat.id, { content: "Hi", model: "gone" }),
        (transport) => transport.regenerate(fakeChat.id, { messageId: "answer-0" }),
        (transport) => transport.send(fakeChat.id, { content: "Hi" }),
      ],
      { maxMessageChars: 20, generationsPerMinute: 2 },
    );
    expect(answers.webSocket).toEqual(answers.http);
    expect(answers.http.map((answer) => ("error" in answer ? answer.error.code : "ok"))).toEqual([
      "VALIDATION_FAILED",
      "MODEL_NOT_AVAILABLE",
      "NOT_LATEST_ANSWER",
      "RATE_LIMITED",
    ]);
    expect(sent.http.map((command) => command.type)).toEqual(["regenerate_answer"]);
    expect(sent.webSocket.map((command) => command.type)).toEqual(["regenerate_answer"]);
  });

  test("another user's chat is not found over both", async () => {
    const { answers } = await overBothTransports([
      (transport) => transport.cancel("chat-2"),
      (transport) => transport.send("chat-2", { content: "Hi" }),
    ]);
    expect(answers.webSocket).toEqual(answers.http);
    expect(answers.http).toEqual([
      { error: { code: "CHAT_NOT_FOUND", message: "Chat not found" } },
      { error: { code: "CHAT_NOT_FOUND", message: "Chat not found" } },
    ]);
  });

  test("a help request and its cancel answer the same and send the same commands over both", async () => {
    const { answers, sent } = await overBothTransports([
      (transport) => transport.requestHelp(fakeChat.id, { note: "  It loops  " }),
      (transport) => transport.requestHelp(fakeChat.id, {}),
      (transport) => transport.cancelHelpRequest(fakeChat.id),
      (transport) => transport.requestHelp("chat-2", {}),
      (transport) => transport.requestHelp(fakeChat.id, { note: "x".repeat(1_001) }),
    ]);
    // The WebSocket's answer frames carry the chatId beside the reply; a bad frame says which frame.
    const comparable = (answer: TransportAnswer) => {
      if ("error" in answer) return { error: answer.error.code };
      const { chatId: _chatId, ...reply } = answer.reply as Record<string, unknown>;
      return { reply };
    };
    expect(answers.webSocket.map(comparable)).toEqual(answers.http.map(comparable));
    expect(answers.http.slice(0, 3).map(comparable)).toEqual([
      { reply: { needsHelp: true, helpNote: "It loops", assisted: false, heldBy: null } },
      { reply: { needsHelp: true, assisted: false, heldBy: null } },
      { reply: { needsHelp: false, assisted: false, heldBy: null } },
    ]);
    expect(answers.http.slice(3).map((answer) => ("error" in answer ? answer.error.code : "ok"))).toEqual([
      "CHAT_NOT_FOUND",
      "VALIDATION_FAILED",
    ]);
    const withoutTrace = (commands: typeof sent.http) =>
      commands.map(({ traceparent: _traceparent, id: _id, occurredAt: _at, ...command }) => command);
    expect(withoutTrace(sent.webSocket)).toEqual(withoutTrace(sent.http));
    expect(sent.http.map((command) => command.type)).toEqual([
      "request_help",
      "request_help",
      "cancel_help_request",
      "request_help",
    ]);
  });

  test("a user's takeover frames get ROUTE_NOT_FOUND, as staff routes answer users", async () => {
    const backend = fakeChatBackend();
    const { session, peer, stop } = await webSocketSessionOver(backend);
    stops.push(stop);
    for (const [index, frame] of [
      { type: "take_over", chatId: fakeChat.id },
      { type: "agent_message", chatId: fakeChat.id, content: "Hi" },
      { type: "release_chat", chatId: fakeChat.id },
    ].entries()) {
      await session.receive(JSON.stringify({ ...frame, requestId: `r${index}` }));
    }
    expect(peer.frames.map((frame) => [frame.requestId, frame.type, frame.code])).toEqual([
      ["r0", "error", "ROUTE_NOT_FOUND"],
      ["r1", "error", "ROUTE_NOT_FOUND"],
      ["r2", "error", "ROUTE_NOT_FOUND"],
    ]);
    expect(backend.sent).toEqual([]);
  });
});
