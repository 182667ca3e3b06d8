import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ChatWithMessages, Message, RegenerateBody, RegenerateResponse } from "@chat/contracts";
import type { ReactiveControllerHost } from "lit";
import { type ApiClient, ApiError } from "../api-client.ts";
import { ChatStreamController } from "./chat-stream-controller.ts";

/** The chat's event stream, driven by the test. */
class FakeEventSource extends EventTarget {
  static readonly CLOSED = 2;
  static opened: FakeEventSource[] = [];
  readyState = 0;
  private lastId = 0;

  constructor(readonly url: string) {
    super();
    FakeEventSource.opened.push(this);
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }

  accept(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  send(type: string, data: unknown): void {
    this.lastId += 1;
    this.dispatchEvent(
      new MessageEvent(type, { data: JSON.stringify(data), lastEventId: String(this.lastId) }),
    );
  }
}

/** Lets the controller's continuations run before the test looks. */
const settled = () => new Promise<void>((done) => setTimeout(done, 0));

const chatId = "chat-1";
const question: Message = {
  id: "q1",
  chatId,
  role: "user",
  content: "Hi",
  createdAt: "2025-01-01T10:00:00.000Z",
  clientMessageId: "c1",
};
function answer(id: string, finishReason: Message["finishReason"] = "stop"): Message {
  return {
    id,
    chatId,
    role: "assistant",
    content: "Hello.",
    createdAt: "2025-01-01T10:00:02.000Z",
    finishReason,
  };
}
function chatWith(messages: Message[]): ChatWithMessages {
  const at = "2025-01-01T10:00:00.000Z";
  return {
    id: chatId,
    title: "Hi",
    model: "demo",
    createdAt: at,
    lastActivityAt: at,
    messages,
    hasOlderMessages: false,
  };
}

describe("ChatStreamController: sending and regenerating", () => {
  const originalEventSource = globalThis.EventSource;
  let history: Message[];
  let regenerateCalls: Array<{ chatId: string; body: RegenerateBody }>;
  let regenerateAnswer: (chatId: string, body: RegenerateBody) => Promise<RegenerateResponse>;
  let sentMessages: string[];
  /** When set, every send is refused with it. */
  let refuseSend: ApiError | undefined;
  /** The server's answer to a send waits for this. */
  let sendGate: Promise<void> | undefined;
  let stream: ChatStreamController;

  function source(): FakeEventSource {
    const opened = FakeEventSource.opened.at(-1);
    if (!opened) throw new Error("no stream was opened");
    return opened;
  }

  function shown(): Array<[string, string]> {
    return stream.messages.map((message) => [message.id, message.status]);
  }

  /** Opens the chat with `messages` as its history, the stream connected. */
  async function openChat(messages: Message[]): Promise<void> {
    history = messages;
    stream.hostConnected();
    stream.open(chatId);
    source().accept();
    await settled();
  }

  beforeEach(() => {
    FakeEventSource.opened = [];
    globalThis.EventSource = FakeEventSource as unknown as typeof EventSource;
    regenerateCalls = [];
    sentMessages = [];
    refuseSend = undefined;
    sendGate = undefined;
    regenerateAnswer = async () => ({
      userMessage: question,
      assistantMessageId: "a2",
      replacedMessageId: "a1",
    });
    const api = {
      eventStreamUrl: (path: string) => path,
      getChat: async () => chatWith(history),
      regenerate(chatId: string, body: RegenerateBody) {
        regenerateCalls.push({ chatId, body });
        return regenerateAnswer(chatId, body);
      },
      async sendMessage(_chatId: string, body: { content: string; clientMessageId: string }) {
        sentMessages.push(body.content);
        await sendGate;
        if (refuseSend) throw refuseSend;
        return {
          userMessage: { ...question, id: "q2", clientMessageId: body.clientMessageId },
          assistantMessageId: "a3",
        };
      },
    } satisfies Partial<ApiClient>;
    const host = {
      addController() {},
      removeController() {},
      requestUpdate() {},
      updateComplete: Promise.resolve(true),
    } satisfies ReactiveControllerHost;
    stream = new ChatStreamController(host, { api: api as unknown as ApiClient });
  });

  afterEach(() => {
    stream.hostDisconnected();
    globalThis.EventSource = originalEventSource;
  });

  test("replaces the latest answer: busy from the click, then the new answer streams after the question", async () => {
    await openChat([question, answer("a1")]);
    expect(stream.regenerableAnswerId).toBe("a1");

    let accept = () => {};
    regenerateAnswer = () =>
      new Promise((resolve) => {
        accept = () => resolve({ userMessage: question, assistantMessageId: "a2", replacedMessageId: "a1" });
      });
    const regenerating = stream.regenerate("a1");
    expect(stream.busy).toBe(true);
    expect(stream.regenerableAnswerId).toBeUndefined();
    await settled();
    expect(regenerateCalls).toEqual([{ chatId, body: { messageId: "a1" } }]);

    accept();
    await regenerating;
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a2", "streaming"],
    ]);
    expect(stream.busy).toBe(true);
    expect(stream.answering).toBe(true);

    // Its own branch_switched changes nothing: the path shown ends at the question already.
    source().send("branch_switched", { chatId, activeLeafId: "q1" });
    source().send("message_start", { chatId, messageId: "a2", model: "demo" });
    source().send("message_chunk", { chatId, messageId: "a2", content: "Hello.", seq: 0 });
    source().send("message_complete", {
      ...answer("a2"),
      messageId: "a2",
      fullContent: "Hello.",
      codeBlocks: [],
      usage: { inputTokens: 1, outputTokens: 2 },
      model: "demo",
    });
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a2", "complete"],
    ]);
    expect(stream.busy).toBe(false);
    expect(stream.regenerableAnswerId).toBe("a2");
  });

  test("another tab's branch switch loads the new path, with its versions", async () => {
    await openChat([question, answer("a1")]);
    history = [question, { ...answer("a0"), siblingIds: ["a0", "a1"] }];
    source().send("branch_switched", { chatId, activeLeafId: "a0" });
    await settled();
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a0", "complete"],
    ]);
    expect(stream.messages[1]?.siblingIds).toEqual(["a0", "a1"]);
  });

  test("only the latest message, when it is an answer", async () => {
    await openChat([question, answer("a1"), { ...question, id: "q2", clientMessageId: "c2" }]);
    expect(stream.regenerableAnswerId).toBeUndefined();
    await stream.regenerate("a1");
    expect(regenerateCalls).toEqual([]);
  });

  test("NOT_LATEST_ANSWER shows the error and loads the messages again (another tab regenerated)", async () => {
    await openChat([question, answer("a1")]);
    regenerateAnswer = async () => {
      throw new ApiError("NOT_LATEST_ANSWER", "Only the chat's latest answer can be answered again", 409);
    };
    history = [question, answer("a9")];
    await stream.regenerate("a1");
    await settled();
    expect(stream.thread.threadError?.message).toBe("Only the chat's latest answer can be answered again");
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a9", "complete"],
    ]);
    expect(stream.busy).toBe(false);
  });

  test("CHAT_BUSY shows the error at once and keeps the answer", async () => {
    await openChat([question, answer("a1")]);
    let tries = 0;
    regenerateAnswer = async () => {
      tries += 1;
      throw new ApiError("CHAT_BUSY", "The chat is still answering the previous message", 409);
    };
    await stream.regenerate("a1");
    expect(tries).toBe(1);
    expect(stream.thread.threadError?.code).toBe("CHAT_BUSY");
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a1", "complete"],
    ]);
    expect(stream.regenerableAnswerId).toBe("a1");
  });

  test("a send refused as CHAT_BUSY is not tried again: the message shows as not sent, with Retry", async () => {
    await openChat([question, answer("a1")]);
    refuseSend = new ApiError("CHAT_BUSY", "The chat is still answering the previous message", 409);
    expect(await stream.send("Again?")).toBe(true);
    expect(sentMessages).toEqual(["Again?"]);
    const failed = stream.messages.at(-1);
    expect([failed?.content, failed?.status, failed?.error?.code, failed?.error?.retryable]).toEqual([
      "Again?",
      "failed",
      "CHAT_BUSY",
      true,
    ]);
    expect(stream.busy).toBe(false);
  });

  test("a message refused for good (too long for the server) leaves the thread: the caller gives its text back", async () => {
    await openChat([question, answer("a1")]);
    refuseSend = new ApiError("VALIDATION_FAILED", "content: at most 4000 characters", 400);
    expect(await stream.send("A long text")).toBe(false);
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a1", "complete"],
    ]);
    expect(stream.thread.threadError).toEqual({
      code: "VALIDATION_FAILED",
      message: "content: at most 4000 characters",
      retryable: false,
    });
    expect(stream.busy).toBe(false);
  });

  test("a message sent while a turn runs is not sent, and the caller gives its text back", async () => {
    await openChat([question]);
    source().send("message_start", { chatId, messageId: "a1", model: "demo" });
    expect(await stream.send("Meanwhile")).toBe(false);
    expect(sentMessages).toEqual([]);
  });

  test("a refused first message leaves the thread and its refusal is thrown, so the chat can be deleted", async () => {
    await openChat([]);
    refuseSend = new ApiError("RATE_LIMITED", "Too many messages: at most 1 a minute; retry in 42 s", 429);
    const sending = stream.sendFirst("Hello?");
    expect(shown()).toEqual([[expect.stringMatching(/^pending-/), "sending"]]);
    await expect(sending).rejects.toBe(refuseSend);
    expect(sentMessages).toEqual(["Hello?"]);
    expect(stream.messages).toEqual([]);
    expect(stream.thread.threadError).toBeUndefined();
    expect(stream.busy).toBe(false);
  });

  test("an accepted first message is shown and answered as any other", async () => {
    await openChat([]);
    await stream.sendFirst("Hello?");
    expect(shown()).toEqual([
      ["q2", "complete"],
      ["a3", "streaming"],
    ]);
  });

  test("a first message refused after the chat was left is still thrown", async () => {
    await openChat([]);
    let answer = () => {};
    sendGate = new Promise((resolve) => {
      answer = resolve;
    });
    refuseSend = new ApiError("UNAVAILABLE", "The service is busy; try again shortly", 503);
    const sending = stream.sendFirst("Hello?");
    await settled();
    stream.open(undefined);
    answer();
    await expect(sending).rejects.toBe(refuseSend);
  });

  test("Retry on a failed latest answer regenerates it instead of asking the question twice", async () => {
    await openChat([question, answer("a1", "error")]);
    await stream.retry("a1");
    expect(regenerateCalls).toEqual([{ chatId, body: { messageId: "a1" } }]);
    expect(sentMessages).toEqual([]);
    expect(shown()).toEqual([
      ["q1", "complete"],
      ["a2", "streaming"],
    ]);
  });

  test("Retry on a failed older answer asks its question again", async () => {
    const later: Message = { ...question, id: "q5", content: "And then?", clientMessageId: "c5" };
    await openChat([question, answer("a1", "error"), later, answer("a5")]);
    await stream.retry("a1");
    expect(regenerateCalls).toEqual([]);
    expect(sentMessages).toEqual(["Hi"]);
  });
});
