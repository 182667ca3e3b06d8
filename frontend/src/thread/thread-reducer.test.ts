import { describe, expect, test } from "bun:test";
import type { Message } from "@chat/contracts";
import {
  type ChatStreamEvent,
  emptyThread,
  isTurnRunning,
  reduceThread,
  streamingMessage,
  type ThreadAction,
  type ThreadState,
} from "./thread-reducer.ts";

const chatId = "chat-1";
const answerId = "answer-1";
const usage = { inputTokens: 3, outputTokens: 5 };

function userMessage(id: string, content: string, clientMessageId?: string): Message {
  return { id, chatId, role: "user", content, createdAt: "2025-01-01T10:00:00.000Z", clientMessageId };
}

const start: ChatStreamEvent = {
  type: "message_start",
  data: { chatId, messageId: answerId, model: "demo" },
};
function chunk(seq: number, content: string, messageId = answerId): ChatStreamEvent {
  return { type: "message_chunk", data: { chatId, messageId, content, seq } };
}
function complete(
  fullContent: string,
  finishReason: "stop" | "cancelled" | "error" = "stop",
): ChatStreamEvent {
  return {
    type: "message_complete",
    data: {
      chatId,
      messageId: answerId,
      fullContent,
      codeBlocks: [],
      usage,
      finishReason,
      model: "demo",
      createdAt: "2025-01-01T10:00:05.000Z",
    },
  };
}
function restart(attempt: number): ChatStreamEvent {
  return { type: "message_restart", data: { chatId, messageId: answerId, attempt } };
}

function run(actions: ThreadAction[], state: ThreadState = emptyThread): ThreadState {
  return actions.reduce(reduceThread, state);
}

function answer(state: ThreadState) {
  return state.messages.find((message) => message.id === answerId);
}

describe("reduceThread: chunks", () => {
  test("chunks in order build the answer; it streams until complete", () => {
    const state = run([start, chunk(0, "Hello"), chunk(1, ", "), chunk(2, "world")]);
    expect(answer(state)).toMatchObject({
      role: "assistant",
      content: "Hello, world",
      status: "streaming",
      lastSeq: 2,
    });
    expect(isTurnRunning(state)).toBe(true);
    expect(streamingMessage(state)?.id).toBe(answerId);
  });

  test("a repeated chunk is ignored and returns the same state", () => {
    const once = run([start, chunk(0, "Hello"), chunk(1, " there")]);
    expect(reduceThread(once, chunk(1, " there"))).toBe(once);
    expect(reduceThread(once, chunk(0, "Hello"))).toBe(once);
    expect(answer(once)?.content).toBe("Hello there");
  });

  test("a chunk ahead of a gap waits for the missing one, then both apply in seq order", () => {
    const waiting = run([start, chunk(0, "a"), chunk(2, "c"), chunk(3, "d")]);
    expect(answer(waiting)?.content).toBe("a");
    const filled = reduceThread(waiting, chunk(1, "b"));
    expect(answer(filled)).toMatchObject({ content: "abcd", lastSeq: 3 });
    expect(answer(filled)?.pendingChunks).toBeUndefined();
    // The waiting chunk arriving again is still a duplicate.
    expect(reduceThread(waiting, chunk(2, "c"))).toBe(waiting);
  });

  test("shuffled and repeated chunks give the same text as the ordered ones", () => {
    const words = "the quick brown fox jumps over the lazy dog".split(" ").map((word) => `${word} `);
    const ordered = run([start, ...words.map((word, seq) => chunk(seq, word))]);
    const shuffled = [5, 1, 0, 3, 3, 2, 8, 6, 4, 7, 1, 8].map((seq) => chunk(seq, words[seq] as string));
    expect(answer(run([start, ...shuffled]))?.content).toBe(answer(ordered)?.content as string);
  });

  test("a chunk without a start (joined mid-answer) creates the assistant message", () => {
    const state = run([chunk(0, "Hi")]);
    expect(state.messages).toHaveLength(1);
    expect(answer(state)).toMatchObject({ role: "assistant", content: "Hi", status: "streaming" });
  });
});

describe("reduceThread: restart and complete", () => {
  test("message_restart drops the partial text; the new attempt streams from seq 0", () => {
    const state = run([start, chunk(0, "Partial "), chunk(1, "answer"), restart(1), chunk(0, "Fresh")]);
    expect(answer(state)).toMatchObject({ content: "Fresh", lastSeq: 0, attempt: 1, status: "streaming" });
  });

  test("a repeated restart does not clear the new attempt's text", () => {
    const state = run([start, chunk(0, "old"), restart(1), chunk(0, "new"), restart(1)]);
    expect(answer(state)?.content).toBe("new");
  });

  test("message_complete replaces the streamed text with fullContent", () => {
    const state = run([start, chunk(0, "Hel"), chunk(2, "garbled"), complete("Hello, world")]);
    expect(answer(state)).toMatchObject({
      content: "Hello, world",
      status: "complete",
      finishReason: "stop",
      usage,
      createdAt: "2025-01-01T10:00:05.000Z",
    });
    expect(answer(state)?.pendingChunks).toBeUndefined();
    expect(isTurnRunning(state)).toBe(false);
  });

  test("a repeated complete returns the same state; late start, chunk and restart leave it alone", () => {
    const done = run([start, chunk(0, "Done"), complete("Done.")]);
    expect(reduceThread(done, complete("Done."))).toBe(done);
    expect(run([start, chunk(1, " more"), restart(2)], done)).toEqual(done);
  });

  test("a cancelled answer keeps its partial text and says it was stopped", () => {
    const state = run([start, chunk(0, "Half an "), complete("Half an ", "cancelled")]);
    expect(answer(state)).toMatchObject({
      content: "Half an ",
      status: "complete",
      finishReason: "cancelled",
    });
  });
});

describe("reduceThread: errors", () => {
  const failure: ChatStreamEvent = {
    type: "error",
    data: {
      chatId,
      messageId: answerId,
      code: "PROVIDER_ERROR",
      error: "The provider failed",
      retryable: true,
    },
  };

  test("an error for a message fails it; the complete that follows keeps the text and the error", () => {
    const state = run([start, chunk(0, "Some"), failure, complete("Some", "error")]);
    expect(answer(state)).toMatchObject({
      status: "failed",
      content: "Some",
      finishReason: "error",
      error: { code: "PROVIDER_ERROR", message: "The provider failed", retryable: true },
    });
    expect(isTurnRunning(state)).toBe(false);
  });

  test("an error for the whole chat is a thread error and fails an answer with no text yet", () => {
    const state = run([
      start,
      { type: "error", data: { chatId, code: "UNAVAILABLE", error: "Try again later", retryable: true } },
    ]);
    expect(state.threadError).toEqual({ code: "UNAVAILABLE", message: "Try again later", retryable: true });
    expect(answer(state)?.status).toBe("failed");
    expect(reduceThread(state, { type: "thread_error_dismissed" }).threadError).toBeUndefined();
  });

  test("RESUME_EXPIRED changes nothing here (the stream reloads the chat)", () => {
    const state = run([start]);
    const expired: ChatStreamEvent = {
      type: "error",
      data: { chatId, code: "RESUME_EXPIRED", error: "Reload", retryable: false },
    };
    expect(reduceThread(state, expired)).toBe(state);
  });
});

describe("reduceThread: user messages and history", () => {
  const optimistic = userMessage("pending-c1", "Hi", "c1");
  const stored = userMessage("user-1", "Hi", "c1");

  test("sending shows the message at once; the server's copy replaces it, and the answer placeholder follows", () => {
    const sending = run([{ type: "send_started", message: optimistic }]);
    expect(sending.messages[0]).toMatchObject({ id: "pending-c1", status: "sending" });
    expect(isTurnRunning(sending)).toBe(true);
    const accepted = reduceThread(sending, {
      type: "send_accepted",
      userMessage: stored,
      assistantMessageId: answerId,
      now: "2025-01-01T10:00:01.000Z",
    });
    expect(accepted.messages.map((message) => [message.id, message.status])).toEqual([
      ["user-1", "complete"],
      [answerId, "streaming"],
    ]);
  });

  test("message_created echoing this tab's message (before or after the POST answer) is not shown twice", () => {
    const created: ChatStreamEvent = { type: "message_created", data: { chatId, message: stored } };
    const echoedFirst = run([{ type: "send_started", message: optimistic }, created, start]);
    const accepted = reduceThread(echoedFirst, {
      type: "send_accepted",
      userMessage: stored,
      assistantMessageId: answerId,
      now: "2025-01-01T10:00:01.000Z",
    });
    expect(accepted.messages.map((message) => message.id)).toEqual(["user-1", answerId]);
    expect(reduceThread(accepted, created)).toBe(accepted);
  });

  test("a message sent from another tab appears", () => {
    const state = run([
      { type: "message_created", data: { chatId, message: stored } },
      start,
      chunk(0, "Yes"),
    ]);
    expect(state.messages.map((message) => [message.role, message.content])).toEqual([
      ["user", "Hi"],
      ["assistant", "Yes"],
    ]);
  });

  test("a failed send keeps the text and the error for a retry", () => {
    const error = { code: "NETWORK_FAILED", message: "Offline", retryable: true };
    const state = run([
      { type: "send_started", message: optimistic },
      { type: "send_failed", clientMessageId: "c1", error },
    ]);
    expect(state.messages[0]).toMatchObject({ content: "Hi", status: "failed", error });
    expect(isTurnRunning(state)).toBe(false);
    const retried = reduceThread(state, { type: "send_retried", clientMessageId: "c1" });
    expect(retried.messages[0]).toMatchObject({ content: "Hi", status: "sending", error: undefined });
  });

  test("a withdrawn send leaves the thread as it was before it", () => {
    const before = run([{ type: "message_created", data: { chatId, message: stored } }]);
    const sending = reduceThread(before, {
      type: "send_started",
      message: { ...optimistic, id: "pending-c2", clientMessageId: "c2" },
    });
    const withdrawn = reduceThread(sending, { type: "send_withdrawn", clientMessageId: "c2" });
    expect(withdrawn.messages).toEqual(before.messages);
    expect(isTurnRunning(withdrawn)).toBe(false);
    // Only a message still being sent: one the server confirmed stays.
    expect(reduceThread(before, { type: "send_withdrawn", clientMessageId: "c1" })).toBe(before);
  });

  test("history comes first; what it does not hold yet stays after it", () => {
    const live = run([
      { type: "message_created", data: { chatId, message: stored } },
      start,
      chunk(0, "Wri"),
    ]);
    const older = userMessage("user-0", "Earlier", undefined);
    const state = reduceThread(live, { type: "history_loaded", messages: [older, stored] });
    expect(state.messages.map((message) => [message.id, message.status])).toEqual([
      ["user-0", "complete"],
      ["user-1", "complete"],
      [answerId, "streaming"],
    ]);
  });

  test("a stored answer that ended in an error is shown failed", () => {
    const failed: Message = { ...userMessage(answerId, "Part"), role: "assistant", finishReason: "error" };
    const state = reduceThread(emptyThread, { type: "history_loaded", messages: [failed] });
    expect(answer(state)?.status).toBe("failed");
  });

  test("older messages go before the ones shown, once each", () => {
    const shown = reduceThread(emptyThread, { type: "history_loaded", messages: [stored] });
    const older = [userMessage("user-a", "First"), userMessage("user-b", "Second"), stored];
    const state = reduceThread(shown, { type: "older_loaded", messages: older });
    expect(state.messages.map((message) => message.id)).toEqual(["user-a", "user-b", "user-1"]);
    expect(reduceThread(state, { type: "older_loaded", messages: older })).toBe(state);
  });
});

describe("reduceThread: versions and branches", () => {
  const question = userMessage("user-1", "Hi", "c1");
  const oldAnswer: Message = {
    id: "answer-0",
    chatId,
    role: "assistant",
    content: "Hello.",
    createdAt: "2025-01-01T10:00:02.000Z",
    finishReason: "stop",
  };
  const shown = reduceThread(emptyThread, { type: "history_loaded", messages: [question, oldAnswer] });
  const accepted: ThreadAction = {
    type: "regenerate_accepted",
    userMessage: question,
    assistantMessageId: answerId,
    replacedMessageId: "answer-0",
    now: "2025-01-01T10:01:00.000Z",
  };

  test("message_deleted takes the message out; one not shown changes nothing", () => {
    const deleted: ChatStreamEvent = { type: "message_deleted", data: { chatId, messageId: "answer-0" } };
    expect(reduceThread(shown, deleted).messages.map((message) => message.id)).toEqual(["user-1"]);
    expect(reduceThread(shown, { type: "message_deleted", data: { chatId, messageId: "other" } })).toBe(
      shown,
    );
    expect(reduceThread(emptyThread, deleted)).toBe(emptyThread);
  });

  test("the accepted regenerate shows version 2 / 2 streaming in place of the old answer, once", () => {
    const state = reduceThread(shown, accepted);
    expect(state.messages.map((message) => [message.id, message.status, message.siblingIds])).toEqual([
      ["user-1", "complete", undefined],
      [answerId, "streaming", ["answer-0", answerId]],
    ]);
    expect(isTurnRunning(state)).toBe(true);
    const switched: ChatStreamEvent = { type: "branch_switched", data: { chatId, activeLeafId: "user-1" } };
    const streamed = run([switched, start, chunk(0, "Hello"), complete("Hello.")], state);
    expect(streamed.messages.map((message) => [message.id, message.content, message.status])).toEqual([
      ["user-1", "Hi", "complete"],
      [answerId, "Hello.", "complete"],
    ]);
    expect(streamed.messages[1]?.siblingIds).toEqual(["answer-0", answerId]);
    // A third version counts the ones before.
    const third = reduceThread(streamed, {
      ...accepted,
      replacedMessageId: answerId,
      assistantMessageId: "answer-2",
    });
    expect(third.messages[1]?.siblingIds).toEqual(["answer-0", answerId, "answer-2"]);
  });

  test("the stream's events before the POST answer give the same answer (another tab sees only those)", () => {
    const streamFirst = run(
      [start, chunk(0, "Hel")],
      reduceThread(shown, { type: "branch_loaded", messages: [question] }),
    );
    expect(streamFirst.messages.map((message) => message.id)).toEqual(["user-1", answerId]);
    expect(reduceThread(streamFirst, accepted).messages.map((message) => message.id)).toEqual([
      "user-1",
      answerId,
    ]);
  });

  test("an edit takes the question and what followed out and shows its new version, answered", () => {
    const later = [question, oldAnswer, userMessage("user-2", "More?"), { ...oldAnswer, id: "answer-3" }];
    const state = reduceThread(reduceThread(emptyThread, { type: "history_loaded", messages: later }), {
      type: "edit_accepted",
      userMessage: { ...userMessage("user-4", "Hi again"), parentId: null },
      assistantMessageId: "answer-4",
      editedMessageId: "user-1",
      now: "2025-01-01T10:02:00.000Z",
    });
    expect(state.messages.map((message) => [message.id, message.status, message.siblingIds])).toEqual([
      ["user-4", "complete", ["user-1", "user-4"]],
      ["answer-4", "streaming", undefined],
    ]);
  });

  test("a loaded branch replaces what is shown, keeping only an answer still being written", () => {
    const streaming = reduceThread(shown, accepted);
    const other = { ...oldAnswer, siblingIds: ["answer-0", answerId] };
    const loaded = reduceThread(streaming, { type: "branch_loaded", messages: [question, other] });
    expect(loaded.messages.map((message) => [message.id, message.status])).toEqual([
      ["user-1", "complete"],
      ["answer-0", "complete"],
      [answerId, "streaming"],
    ]);
    const finished = reduceThread(shown, {
      type: "branch_loaded",
      messages: [{ ...question, id: "user-9" }],
    });
    expect(finished.messages.map((message) => message.id)).toEqual(["user-9"]);
    expect(reduceThread(shown, { type: "branch_switched", data: { chatId, activeLeafId: "x" } })).toBe(shown);
  });

  test("another tab's edit: the new version of a question takes the place of it and what followed", () => {
    const later = [question, oldAnswer, { ...userMessage("user-2", "More?"), parentId: "answer-0" }];
    const state = reduceThread(emptyThread, { type: "history_loaded", messages: later });
    const edited = { ...userMessage("user-3", "Less?", "c3"), parentId: "answer-0" };
    const created = reduceThread(state, { type: "message_created", data: { chatId, message: edited } });
    expect(created.messages.map((message) => [message.id, message.siblingIds])).toEqual([
      ["user-1", undefined],
      ["answer-0", undefined],
      ["user-3", ["user-2", "user-3"]],
    ]);
    // A question sent after the end of the path is no new branch.
    const next = { ...userMessage("user-4", "Next?", "c4"), parentId: "user-2" };
    const sent = reduceThread(state, { type: "message_created", data: { chatId, message: next } });
    expect(sent.messages.map((message) => message.id)).toEqual(["user-1", "answer-0", "user-2", "user-4"]);
  });

  test("another tab's regenerate: the answer that comes after the question is its next version", () => {
    const switched: ChatStreamEvent = { type: "branch_switched", data: { chatId, activeLeafId: "user-1" } };
    const state = run([switched, start], shown);
    const loaded = reduceThread(state, { type: "branch_loaded", messages: [question] });
    expect(loaded.messages.map((message) => [message.id, message.status, message.siblingIds])).toEqual([
      ["user-1", "complete", undefined],
      [answerId, "streaming", ["answer-0", answerId]],
    ]);
    expect(loaded.upcomingVersions).toBeUndefined();
    // This tab's own regenerate, its stream first and then the POST's answer: the same.
    const own = run([switched, accepted], shown);
    expect(own.messages.map((message) => [message.id, message.siblingIds])).toEqual([
      ["user-1", undefined],
      [answerId, ["answer-0", answerId]],
    ]);
  });

  test("a history reload leaves out a finished answer the server no longer holds, keeps earlier pages", () => {
    const earlier = { ...userMessage("user-0", "Earlier"), createdAt: "2025-01-01T09:00:00.000Z" };
    const withEarlier = reduceThread(shown, { type: "older_loaded", messages: [earlier] });
    const reloaded = reduceThread(withEarlier, { type: "history_loaded", messages: [question] });
    expect(reloaded.messages.map((message) => message.id)).toEqual(["user-0", "user-1"]);
  });
});

describe("reduceThread: an agent in the chat", () => {
  const agent = { id: "agent-1", name: "Grace" };
  const joined: ChatStreamEvent = {
    type: "agent_joined",
    data: { chatId, agent, expiresAt: "2025-01-01T10:02:00.000Z" },
  };

  test("joins and leaves show as notices, once each; help events change no message", () => {
    let thread = reduceThread(emptyThread, {
      type: "history_loaded",
      messages: [userMessage("u1", "Help!")],
    });
    const asked = reduceThread(thread, {
      type: "help_requested",
      data: { chatId, requestedAt: "2025-01-01T10:00:01.000Z" },
    });
    expect(asked).toBe(thread);

    thread = reduceThread(thread, joined);
    expect(reduceThread(thread, joined)).toBe(thread);
    thread = reduceThread(thread, { type: "agent_left", data: { chatId, agent, reason: "expired" } });

    expect(thread.messages.map((message) => [message.notice ?? false, message.content])).toEqual([
      [false, "Help!"],
      [true, "Grace joined the chat"],
      [true, "Grace left the chat (timed out): the assistant answers again"],
    ]);
    expect(isTurnRunning(thread)).toBe(false);
  });

  test("a message sent while an agent holds the chat is confirmed with no answer to wait for", () => {
    const sending = reduceThread(emptyThread, {
      type: "send_started",
      message: { ...userMessage("pending-k1", "Thanks", "k1") },
    });
    const accepted = reduceThread(sending, {
      type: "send_accepted",
      userMessage: userMessage("u2", "Thanks", "k1"),
      now: "2025-01-01T10:00:02.000Z",
    });

    expect(accepted.messages.map((message) => [message.id, message.status])).toEqual([["u2", "complete"]]);
    expect(isTurnRunning(accepted)).toBe(false);
  });
});
