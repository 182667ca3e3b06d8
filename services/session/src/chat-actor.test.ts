import { describe, expect, test } from "bun:test";
import {
  AppError,
  type CancelGenerationCommand,
  type EditMessageCommand,
  type GenerationFinishedCommand,
  type Message,
  type RecoverAnswerCommand,
  type RegenerateAnswerCommand,
  type SendMessageCommand,
  type SwitchBranchCommand,
} from "@chat/contracts";
import {
  type ChatActorEffect,
  type ChatActorState,
  type DecisionContext,
  decide,
  type FinishedTurn,
  initialState,
  markDispatched,
} from "./chat-actor.ts";

const envelope = {
  v: 1 as const,
  chatId: "chat-1",
  traceparent: "00-trace",
  occurredAt: "2026-11-22T10:00:00.000Z",
};

function send(clientMessageId: string, content = "hello"): SendMessageCommand {
  return {
    ...envelope,
    id: `command-${clientMessageId}`,
    type: "send_message",
    userId: "user-1",
    content,
    clientMessageId,
  };
}

function finished(assistantMessageId: string): GenerationFinishedCommand {
  return {
    ...envelope,
    id: `finished-${assistantMessageId}`,
    type: "generation_finished",
    userId: "user-1",
    assistantMessageId,
    finishReason: "stop",
    fullContent: "the answer",
    codeBlocks: [],
    usage: { inputTokens: 3, outputTokens: 2 },
    model: "demo",
    answerCreatedAt: "2026-11-22T10:00:00.000Z",
  };
}

/** Where an answer goes in the tree: after the question id-1, ending the path by version 2. */
const afterFirstQuestion = { parentId: "id-1", activeLeafVersion: 2 };

/** The message_complete a finished("id") publishes, with its finish reason and its place in the tree. */
function completeOf(
  assistantMessageId: string,
  finishReason = "stop",
  place: { parentId?: string; activeLeafVersion?: number } = afterFirstQuestion,
): ChatActorEffect {
  return {
    type: "publish_message_complete",
    data: {
      chatId: "chat-1",
      messageId: assistantMessageId,
      fullContent: "the answer",
      codeBlocks: [],
      usage: { inputTokens: 3, outputTokens: 2 },
      finishReason: finishReason as "stop",
      model: "demo",
      createdAt: "2026-11-22T10:00:00.000Z",
      ...place,
    },
  };
}

function recover(assistantMessageId: string, content = "the answer so"): RecoverAnswerCommand {
  return {
    ...envelope,
    id: `recover-${assistantMessageId}`,
    type: "recover_answer",
    userId: "user-1",
    assistantMessageId,
    content,
    model: "demo",
    answerCreatedAt: "2026-11-22T10:00:00.000Z",
  };
}

function regenerate(clientMessageId: string, messageId: string, model?: string): RegenerateAnswerCommand {
  return {
    ...envelope,
    id: `regenerate-${clientMessageId}`,
    type: "regenerate_answer",
    userId: "user-1",
    messageId,
    clientMessageId,
    ...(model ? { model } : {}),
  };
}

function contextAt(iso: string): DecisionContext {
  let counter = 0;
  return { now: new Date(iso), newId: () => `id-${++counter}`, turnTimeoutMs: 60_000, holdTtlMs: 60_000 };
}

const fresh: ChatActorState = initialState({ chatId: "chat-1", userId: "user-1", needsTitle: false });

describe("ChatActor decide", () => {
  test("a message on an idle chat starts a turn: store, echo, dispatch, then mark dispatched", () => {
    const decision = decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z"));
    expect(decision.state.turn).toMatchObject({
      clientMessageId: "a",
      assistantMessageId: "id-2",
      phase: "accepted",
    });
    expect(decision.effects.map((effect) => effect.type)).toEqual([
      "store_message",
      "publish_message_created",
      "dispatch_generation",
      "mark_dispatched",
    ]);
    expect<unknown>(decision.reply).toEqual({
      userMessage: decision.state.turn?.userMessage,
      assistantMessageId: "id-2",
    });
    expect(decision.state.turn?.userMessage).toMatchObject({
      id: "id-1",
      role: "user",
      content: "hello",
      chatId: "chat-1",
    });
  });

  test("another message while a turn runs is CHAT_BUSY", () => {
    const running = markDispatched(
      decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
      "a",
    );
    let error: unknown;
    try {
      decide(running, send("b"), contextAt("2026-11-22T10:00:01.000Z"));
    } catch (caught) {
      error = caught;
    }
    expect(AppError.isInstance(error) && error.code).toBe("CHAT_BUSY");
  });

  test("the same clientMessageId twice is one turn, while running and after it finished", () => {
    const first = decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z"));
    const running = markDispatched(first.state, "a");
    const again = decide(running, send("a"), contextAt("2026-11-22T10:00:01.000Z"));
    expect(again.reply).toEqual(first.reply);
    expect(again.effects).toEqual([]);
    const done = decide(running, finished("id-2"), contextAt("2026-11-22T10:00:02.000Z")).state;
    const later = decide(done, send("a"), contextAt("2026-11-22T10:00:03.000Z"));
    expect(later.reply).toEqual(first.reply);
    expect(later.state).toBe(done);
  });

  test("a redelivered command whose effects were cut short runs them again", () => {
    const accepted = decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state;
    const redelivered = decide(accepted, send("a"), contextAt("2026-11-22T10:00:00.500Z"));
    expect(redelivered.effects.map((effect) => effect.type)).toContain("dispatch_generation");
  });

  test("generation_finished frees the chat and keeps the answer for the next context; a stale one changes nothing", () => {
    const running = markDispatched(
      decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
      "a",
    );
    expect(decide(running, finished("someone-else"), contextAt("2026-11-22T10:00:01.000Z")).state).toBe(
      running,
    );
    const done = decide(running, finished("id-2"), contextAt("2026-11-22T10:00:01.000Z")).state;
    expect(done.turn).toBeNull();
    expect(done.lastAnswer).toMatchObject({ id: "id-2", content: "the answer" });
    expect(decide(done, send("b"), contextAt("2026-11-22T10:00:02.000Z")).state.turn?.clientMessageId).toBe(
      "b",
    );
  });

  test("a turn older than the timeout is abandoned, so the chat is never stuck busy", () => {
    const running = markDispatched(
      decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
      "a",
    );
    const next = decide(running, send("b"), contextAt("2026-11-22T10:01:00.001Z"));
    expect(next.state.turn?.clientMessageId).toBe("b");
    expect(next.state.finishedTurns.map((turn) => turn.clientMessageId)).toEqual(["a"]);
  });

  test("cancel on a running turn signals the orchestrators and keeps the turn until it finishes; idle answers false", () => {
    const cancel: CancelGenerationCommand = {
      ...envelope,
      id: "cancel-1",
      type: "cancel_generation",
      userId: "user-1",
    };
    expect(decide(fresh, cancel, contextAt("2026-11-22T10:00:00.000Z")).reply).toEqual({
      cancelled: false,
      messageId: null,
    });
    const running = markDispatched(
      decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
      "a",
    );
    const decision = decide(running, cancel, contextAt("2026-11-22T10:00:01.000Z"));
    expect(decision.reply).toEqual({ cancelled: true, messageId: "id-2" });
    expect(decision.effects).toEqual([{ type: "signal_cancel", assistantMessageId: "id-2" }]);
    expect(decision.state.turn?.cancelRequested).toBe(true);
    const done = decide(
      decision.state,
      { ...finished("id-2"), finishReason: "cancelled" },
      contextAt("2026-11-22T10:00:02.000Z"),
    );
    expect(done.state.turn).toBeNull();
    expect(done.state.lastAnswer?.finishReason).toBe("cancelled");
  });

  test("a message may name its own model; the turn carries it to the dispatch", () => {
    const decision = decide(fresh, { ...send("a"), model: "gpt-4.1" }, contextAt("2026-11-22T10:00:00.000Z"));
    expect(decision.state.turn?.model).toBe("gpt-4.1");
    expect(decide(fresh, send("b"), contextAt("2026-11-22T10:00:00.000Z")).state.turn?.model).toBeUndefined();
  });

  test("the first answer of an untitled chat asks for a title once; errors and empty answers do not", () => {
    const untitled = initialState({ chatId: "chat-1", userId: "user-1", needsTitle: true });
    const running = markDispatched(
      decide(untitled, send("a", "How do I sort a list?"), contextAt("2026-11-22T10:00:00.000Z")).state,
      "a",
    );
    const failed = decide(
      running,
      { ...finished("id-2"), finishReason: "error" },
      contextAt("2026-11-22T10:00:01.000Z"),
    );
    expect(failed.effects).toEqual([completeOf("id-2", "error")]);
    expect(failed.state.needsTitle).toBe(true);

    const done = decide(running, finished("id-2"), contextAt("2026-11-22T10:00:01.000Z"));
    expect(done.effects).toEqual([
      completeOf("id-2"),
      { type: "request_title", question: "How do I sort a list?", answer: "the answer" },
    ]);
    expect(done.state.needsTitle).toBe(false);
    const second = markDispatched(
      decide(done.state, send("b"), contextAt("2026-11-22T10:00:02.000Z")).state,
      "b",
    );
    const finishedAgain = decide(
      second,
      finished(second.turn?.assistantMessageId ?? ""),
      contextAt("2026-11-22T10:00:03.000Z"),
    );
    expect(finishedAgain.state.turn).toBeNull();
    expect(finishedAgain.effects.map((effect) => effect.type)).toEqual(["publish_message_complete"]);

    const titled = markDispatched(decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state, "a");
    expect(decide(titled, finished("id-2"), contextAt("2026-11-22T10:00:01.000Z")).effects).toEqual([
      completeOf("id-2"),
    ]);
  });

  test("generation_finished frees the chat in the state it saves before the answer is published complete", () => {
    const running = markDispatched(
      decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
      "a",
    );
    const done = decide(running, finished("id-2"), contextAt("2026-11-22T10:00:01.000Z"));
    // The runner saves `state` first and then runs the effects: the next message is accepted from then on.
    expect(done.state.turn).toBeNull();
    expect(done.effects).toEqual([completeOf("id-2")]);
    // A redelivered report publishes the answer again (its first publish may have been cut short); a
    // stale report of another answer, or with another outcome, publishes nothing.
    expect(decide(done.state, finished("id-2"), contextAt("2026-11-22T10:00:02.000Z")).effects).toEqual([
      completeOf("id-2"),
    ]);
    expect(
      decide(
        done.state,
        { ...finished("id-2"), finishReason: "error" },
        contextAt("2026-11-22T10:00:02.000Z"),
      ).effects,
    ).toEqual([]);
    // A running turn ignores another answer's report.
    const next = markDispatched(
      decide(done.state, send("b"), contextAt("2026-11-22T10:00:02.000Z")).state,
      "b",
    );
    expect(decide(next, finished("other"), contextAt("2026-11-22T10:00:03.000Z")).effects).toEqual([]);
  });

  test("a report of an answer the actor never heard of, with no turn running, is published: its state was lost", () => {
    // Redis restarted empty while the answer was written: the actor was rebuilt from the store.
    const lost = decide(fresh, finished("id-9"), contextAt("2026-11-22T10:00:05.000Z"));
    expect(lost.effects).toEqual([completeOf("id-9", "stop", {})]);
    expect(lost.state.lastAnswer).toMatchObject({ id: "id-9", content: "the answer", finishReason: "stop" });
    expect(lost.state.turn).toBeNull();
  });

  describe("recovering an answer whose writer is gone", () => {
    const interrupted = (
      messageId: string,
      place: { parentId?: string; activeLeafVersion?: number } = {},
    ): ChatActorEffect => ({
      type: "publish_message_complete",
      data: {
        chatId: "chat-1",
        messageId,
        fullContent: "the answer so",
        codeBlocks: [],
        usage: { inputTokens: 0, outputTokens: 0 },
        finishReason: "interrupted",
        model: "demo",
        createdAt: "2026-11-22T10:00:00.000Z",
        ...place,
      },
    });

    test("an actor that lost its memory (a restart) publishes the draft as interrupted and stays free", () => {
      const decision = decide(fresh, recover("id-9"), contextAt("2026-11-22T10:00:05.000Z"));
      expect(decision.effects).toEqual([interrupted("id-9")]);
      expect(decision.state.turn).toBeNull();
      expect(decision.state.lastAnswer).toMatchObject({ id: "id-9", finishReason: "interrupted" });
    });

    test("a turn still within its timeout keeps writing; a timed-out one ends interrupted and frees the chat", () => {
      const running = markDispatched(
        decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
        "a",
      );
      const early = decide(running, recover("id-2"), contextAt("2026-11-22T10:00:30.000Z"));
      expect(early.effects).toEqual([]);
      expect(early.state).toBe(running);

      const late = decide(running, recover("id-2"), contextAt("2026-11-22T10:01:00.001Z"));
      expect(late.effects).toEqual([interrupted("id-2", afterFirstQuestion)]);
      expect(late.state.turn).toBeNull();
      expect(late.state.lastAnswer).toMatchObject({ id: "id-2", content: "the answer so" });
      expect(
        decide(late.state, send("b"), contextAt("2026-11-22T10:01:01.000Z")).state.turn?.clientMessageId,
      ).toBe("b");
    });

    test("a finished answer is not touched; one abandoned for a newer turn is, without freeing that turn", () => {
      const running = markDispatched(
        decide(fresh, send("a"), contextAt("2026-11-22T10:00:00.000Z")).state,
        "a",
      );
      const done = decide(running, finished("id-2"), contextAt("2026-11-22T10:00:01.000Z")).state;
      expect(decide(done, recover("id-2"), contextAt("2026-11-22T10:00:02.000Z")).effects).toEqual([]);

      const replaced = decide(running, send("b"), {
        ...contextAt("2026-11-22T10:01:00.001Z"),
        newId: (() => {
          let counter = 10;
          return () => `id-${++counter}`;
        })(),
      }).state;
      const recovered = decide(replaced, recover("id-2"), contextAt("2026-11-22T10:01:01.000Z"));
      // It stays after its question; the path goes on with the newer turn's.
      expect(recovered.effects).toEqual([interrupted("id-2", { parentId: "id-1" })]);
      expect(recovered.state.turn?.clientMessageId).toBe("b");
      expect(recovered.state.activeLeafId).toBe("id-11");
    });
  });

  describe("regenerate", () => {
    /** A chat whose first turn ("a", answered by id-2) has finished. */
    function answered(): { state: ChatActorState; latest: FinishedTurn } {
      const sent = decide(fresh, send("a", "Which sort is stable?"), contextAt("2026-11-22T10:00:00.000Z"));
      const done = decide(
        markDispatched(sent.state, "a"),
        finished("id-2"),
        contextAt("2026-11-22T10:00:01.000Z"),
      );
      return { state: done.state, latest: done.state.finishedTurns.at(-1) as FinishedTurn };
    }
    const at = (iso: string, latestExchange: FinishedTurn | null) => ({ ...contextAt(iso), latestExchange });

    test("answers the latest question again: the old answer stays a version, the question ends the path again", () => {
      const { state, latest } = answered();
      expect(state.lastAnswer?.id).toBe("id-2");
      const decision = decide(
        state,
        regenerate("r", "id-2", "other-model"),
        at("2026-11-22T10:00:02.000Z", latest),
      );
      expect(decision.state.turn).toMatchObject({
        clientMessageId: "r",
        userMessage: latest.userMessage,
        assistantMessageId: "id-1",
        replaces: "id-2",
        model: "other-model",
        phase: "accepted",
      });
      const question = latest.userMessage;
      expect(decision.effects).toEqual([
        { type: "set_active_leaf", leafId: question.id, version: 3 },
        {
          type: "publish_event",
          event: { type: "branch_switched", data: { chatId: "chat-1", activeLeafId: question.id } },
        },
        // The context is the path through the question, which the old answer is not on.
        {
          type: "dispatch_generation",
          userMessage: question,
          assistantMessageId: "id-1",
          contextPathTo: question.id,
        },
        { type: "mark_dispatched", clientMessageId: "r" },
      ]);
      expect(decision.reply).toEqual({
        userMessage: question,
        assistantMessageId: "id-1",
        replacedMessageId: "id-2",
      });
      expect(decision.state).toMatchObject({ activeLeafId: question.id, branchVersion: 3 });
      // The new answer ends the path after the question, by the next version.
      const done = decide(
        markDispatched(decision.state, "r"),
        finished("id-1"),
        contextAt("2026-11-22T10:00:03.000Z"),
      );
      expect(done.effects).toEqual([
        completeOf("id-1", "stop", { parentId: question.id, activeLeafVersion: 4 }),
      ]);
      expect(done.state).toMatchObject({ activeLeafId: "id-1", branchVersion: 4 });
    });

    test("the same clientMessageId answers the same again, also once the turn has finished", () => {
      const { state, latest } = answered();
      const first = decide(state, regenerate("r", "id-2"), at("2026-11-22T10:00:02.000Z", latest));
      const again = decide(first.state, regenerate("r", "id-2"), at("2026-11-22T10:00:02.500Z", latest));
      expect(again.reply).toEqual(first.reply);
      expect(again.effects).toEqual(first.effects);
      const running = markDispatched(first.state, "r");
      expect(
        decide(running, regenerate("r", "id-2"), at("2026-11-22T10:00:03.000Z", latest)).effects,
      ).toEqual([]);
      const done = decide(running, finished("id-1"), contextAt("2026-11-22T10:00:04.000Z"));
      expect(done.state.turn).toBeNull();
      expect(done.state.lastAnswer?.id).toBe("id-1");
      expect(decide(done.state, regenerate("r", "id-2"), at("2026-11-22T10:00:05.000Z", null)).reply).toEqual(
        first.reply,
      );
      // And the new answer is now the one to regenerate.
      const newest = done.state.finishedTurns.at(-1) as FinishedTurn;
      expect(newest).toMatchObject({ assistantMessageId: "id-1", replaces: "id-2" });
      const second = decide(done.state, regenerate("s", "id-1"), at("2026-11-22T10:00:06.000Z", newest));
      expect(second.state.turn).toMatchObject({ replaces: "id-1", userMessage: latest.userMessage });
    });

    test("anything but the latest answer is NOT_LATEST_ANSWER; a running turn is CHAT_BUSY", () => {
      const { state, latest } = answered();
      for (const [messageId, latestExchange] of [
        ["id-1", latest],
        ["unknown", latest],
        ["id-2", null],
      ] as const) {
        const error = (() => {
          try {
            decide(state, regenerate("r", messageId), at("2026-11-22T10:00:02.000Z", latestExchange));
          } catch (thrown) {
            return thrown;
          }
        })();
        expect(AppError.isInstance(error) && error.code).toBe("NOT_LATEST_ANSWER");
      }
      const busy = decide(state, send("b"), contextAt("2026-11-22T10:00:02.000Z")).state;
      expect(() => decide(busy, regenerate("r", "id-2"), at("2026-11-22T10:00:03.000Z", latest))).toThrow(
        "still answering",
      );
    });
  });

  describe("message tree", () => {
    /** q id-1 → a id-2 → q id-11 → a id-12, both turns finished. */
    function twoTurns(): ChatActorState {
      const first = decide(fresh, send("a", "First?"), contextAt("2026-11-22T10:00:00.000Z")).state;
      const answered = decide(
        markDispatched(first, "a"),
        finished("id-2"),
        contextAt("2026-11-22T10:00:01.000Z"),
      );
      const second = decide(answered.state, send("b", "Second?"), {
        ...contextAt("2026-11-22T10:00:02.000Z"),
        newId: (() => {
          let counter = 10;
          return () => `id-${++counter}`;
        })(),
      }).state;
      return decide(markDispatched(second, "b"), finished("id-12"), contextAt("2026-11-22T10:00:03.000Z"))
        .state;
    }

    const edit = (clientMessageId: string, messageId: string, content = "Edited?"): EditMessageCommand => ({
      ...envelope,
      id: `edit-${clientMessageId}`,
      type: "edit_message",
      userId: "user-1",
      messageId,
      content,
      clientMessageId,
    });
    const switchTo = (messageId: string): SwitchBranchCommand => ({
      ...envelope,
      id: `switch-${messageId}`,
      type: "switch_branch",
      userId: "user-1",
      messageId,
    });
    const question = (id: string, parentId: string | null): Message => ({
      id,
      chatId: "chat-1",
      role: "user",
      content: "First?",
      createdAt: "2026-11-22T10:00:00.000Z",
      parentId,
    });

    test("each question follows the end of the active path, and each answer its question", () => {
      const state = twoTurns();
      expect(state.finishedTurns.map((turn) => turn.userMessage.parentId)).toEqual([null, "id-2"]);
      expect(state).toMatchObject({ activeLeafId: "id-12", branchVersion: 4 });
      expect(state.lastAnswer).toMatchObject({ id: "id-12", parentId: "id-11", leafVersion: 4 });
    });

    test("edit: a new version of a middle question branches from its parent, keeps its files and is answered", () => {
      const state = twoTurns();
      const files = [{ id: "f1", name: "a.png", mediaType: "image/png", size: 3 }];
      const editedMessage = { ...question("id-11", "id-2"), attachments: files };
      const decision = decide(state, edit("e", "id-11"), {
        ...contextAt("2026-11-22T10:00:04.000Z"),
        editedMessage,
      });
      const version: Message = {
        id: "id-1",
        chatId: "chat-1",
        role: "user",
        content: "Edited?",
        createdAt: "2026-11-22T10:00:04.000Z",
        clientMessageId: "e",
        parentId: "id-2",
        attachments: files,
      };
      expect(decision.effects).toEqual([
        { type: "store_message", message: version, activeLeafVersion: 5 },
        { type: "publish_message_created", message: version },
        {
          type: "publish_event",
          event: { type: "branch_switched", data: { chatId: "chat-1", activeLeafId: "id-1" } },
        },
        {
          type: "dispatch_generation",
          userMessage: version,
          assistantMessageId: "id-2",
          contextPathTo: "id-2",
        },
        { type: "mark_dispatched", clientMessageId: "e" },
      ]);
      expect(decision.reply).toEqual({ userMessage: version, assistantMessageId: "id-2" });
      expect(decision.state.turn).toMatchObject({ edits: "id-11", leafVersion: 5 });
      // The same clientMessageId is the same edit.
      expect(decide(decision.state, edit("e", "id-11"), contextAt("2026-11-22T10:00:05.000Z")).reply).toEqual(
        decision.reply,
      );
    });

    test("edit: only a question of the chat; not while an answer streams", () => {
      const state = twoTurns();
      const refusal = (context: Partial<DecisionContext>, from = state) => {
        try {
          decide(from, edit("e", "id-12"), { ...contextAt("2026-11-22T10:00:04.000Z"), ...context });
        } catch (thrown) {
          return AppError.isInstance(thrown) ? thrown.code : thrown;
        }
      };
      expect(refusal({ editedMessage: null })).toBe("MESSAGE_NOT_FOUND");
      expect(refusal({ editedMessage: { ...question("id-12", "id-11"), role: "assistant" } })).toBe(
        "MESSAGE_NOT_FOUND",
      );
      const streaming = decide(state, send("c"), contextAt("2026-11-22T10:00:04.000Z")).state;
      expect(refusal({ editedMessage: question("id-11", "id-2") }, streaming)).toBe("CHAT_BUSY");
    });

    test("switch: the active path moves to the branch's end; every device hears it", () => {
      const state = twoTurns();
      const decision = decide(state, switchTo("id-2"), {
        ...contextAt("2026-11-22T10:00:04.000Z"),
        branchLeaf: "id-31",
      });
      expect(decision.reply).toEqual({ chatId: "chat-1", activeLeafId: "id-31" });
      expect(decision.effects).toEqual([
        { type: "set_active_leaf", leafId: "id-31", version: 5 },
        {
          type: "publish_event",
          event: { type: "branch_switched", data: { chatId: "chat-1", activeLeafId: "id-31" } },
        },
      ]);
      // The next question follows the new end.
      const next = decide(decision.state, send("c"), contextAt("2026-11-22T10:00:05.000Z"));
      expect(next.state.turn?.userMessage.parentId).toBe("id-31");
      expect(next.effects[0]).toMatchObject({ type: "store_message", activeLeafVersion: 6 });
    });

    test("switch: refused with CHAT_BUSY while an answer streams, MESSAGE_NOT_FOUND for no such message", () => {
      const state = twoTurns();
      const streaming = decide(state, send("c"), contextAt("2026-11-22T10:00:04.000Z")).state;
      const context = { ...contextAt("2026-11-22T10:00:05.000Z"), branchLeaf: "id-2" };
      expect(() => decide(streaming, switchTo("id-2"), context)).toThrow("still answering");
      expect(() =>
        decide(state, switchTo("nope"), { ...contextAt("2026-11-22T10:00:05.000Z"), branchLeaf: null }),
      ).toThrow("no message");
      // A turn past its timeout no longer holds the chat.
      const late = { ...contextAt("2026-11-22T10:02:00.000Z"), branchLeaf: "id-2" };
      expect(decide(streaming, switchTo("id-2"), late).state.activeLeafId).toBe("id-2");
    });
  });
});
