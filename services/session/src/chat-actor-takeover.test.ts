import { describe, expect, test } from "bun:test";
import {
  AppError,
  type ChatAgent,
  type ChatCommand,
  type GenerationFinishedCommand,
  type Message,
  type SendMessageCommand,
} from "@chat/contracts";
import { type ChatActorState, type DecisionContext, decide, initialState } from "./chat-actor.ts";

const envelope = {
  v: 1 as const,
  chatId: "chat-1",
  userId: "user-1",
  traceparent: "00-trace",
  occurredAt: "2026-11-22T10:00:00.000Z",
};
const grace: ChatAgent = { id: "agent-1", email: "grace@example.com", name: "Grace" };
const alan: ChatAgent = { id: "agent-2", email: "alan@example.com", name: "Alan" };
const holdTtlMs = 60_000;

type Command = Parameters<typeof decide>[1];

function contextAt(seconds: number): DecisionContext {
  let counter = 0;
  return {
    now: new Date(Date.UTC(2026, 10, 22, 10, 0, seconds)),
    newId: () => `id-${seconds}-${++counter}`,
    turnTimeoutMs: 600_000,
    holdTtlMs,
  };
}

function command<T extends ChatCommand["type"]>(
  type: T,
  fields: Omit<Extract<ChatCommand, { type: T }>, keyof typeof envelope | "id" | "type"> = {} as never,
): Command {
  return { ...envelope, id: `${type}-${Math.random()}`, type, ...fields } as Command;
}

const send = (clientMessageId: string): SendMessageCommand =>
  command("send_message", { content: "hello", clientMessageId }) as SendMessageCommand;

/** Runs commands in order, each at its second, and returns the state and the last decision. */
function run(state: ChatActorState, steps: Array<[number, Command]>) {
  let current = state;
  let last: ReturnType<typeof decide> | undefined;
  for (const [second, next] of steps) {
    last = decide(current, next, contextAt(second));
    current = last.state;
  }
  if (!last) throw new Error("no steps");
  return { state: current, decision: last };
}

function refusal(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (AppError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const fresh = () => initialState({ chatId: "chat-1", userId: "user-1", needsTitle: false });

describe("ChatActor help requests and takeover", () => {
  test("a help request is marked, published and answered; asking again changes nothing", () => {
    const asked = decide(fresh(), command("request_help", { note: "It loops" }), contextAt(1));

    expect(asked.reply).toEqual({
      chatId: "chat-1",
      needsHelp: true,
      helpNote: "It loops",
      assisted: false,
      heldBy: null,
    });
    expect(asked.effects).toEqual([
      { type: "mark_chat", needsHelp: true },
      {
        type: "publish_event",
        event: {
          type: "help_requested",
          data: { chatId: "chat-1", note: "It loops", requestedAt: "2026-11-22T10:00:01.000Z" },
        },
      },
    ]);
    const again = decide(asked.state, command("request_help"), contextAt(2));
    expect(again.effects).toEqual([]);
    expect(again.state).toBe(asked.state);
  });

  test("cancelling a help request unmarks it; with none open nothing happens", () => {
    const { decision } = run(fresh(), [
      [1, command("request_help")],
      [2, command("cancel_help_request")],
    ]);
    expect(decision.reply).toMatchObject({ needsHelp: false });
    expect(decision.effects).toEqual([
      { type: "mark_chat", needsHelp: false },
      {
        type: "publish_event",
        event: { type: "help_cancelled", data: { chatId: "chat-1", reason: "cancelled" } },
      },
    ]);
    expect(decide(fresh(), command("cancel_help_request"), contextAt(1)).effects).toEqual([]);
  });

  test("a takeover holds the chat, closes the help request, marks it assisted and is logged", () => {
    const { state, decision } = run(fresh(), [
      [1, command("request_help")],
      [2, command("take_over", { agent: grace })],
    ]);
    const heldBy = {
      agentId: "agent-1",
      name: "Grace",
      since: "2026-11-22T10:00:02.000Z",
      expiresAt: "2026-11-22T10:01:02.000Z",
    };
    expect(decision.reply).toEqual({ chatId: "chat-1", needsHelp: false, assisted: true, heldBy });
    expect(decision.effects).toEqual([
      { type: "mark_chat", needsHelp: false, assisted: true, heldBy },
      {
        type: "publish_event",
        event: { type: "help_cancelled", data: { chatId: "chat-1", reason: "taken_over" } },
      },
      {
        type: "publish_event",
        event: {
          type: "agent_joined",
          data: {
            chatId: "chat-1",
            agent: { id: "agent-1", name: "Grace" },
            expiresAt: "2026-11-22T10:01:02.000Z",
          },
        },
      },
      {
        type: "audit",
        action: "chat_taken_over",
        agent: { id: "agent-1", email: "grace@example.com" },
        details: { userId: "user-1" },
      },
    ]);
    expect(state.assisted).toBe(true);
  });

  test("a second agent is refused with CHAT_HELD naming the holder; the holder renews quietly", () => {
    const { state } = run(fresh(), [[1, command("take_over", { agent: grace })]]);

    const refused = refusal(() => decide(state, command("take_over", { agent: alan }), contextAt(2)));
    expect(refused.code).toBe("CHAT_HELD");
    expect(refused.message).toContain("Grace");
    expect(refused.httpStatus).toBe(409);

    const renewed = decide(state, command("take_over", { agent: grace }), contextAt(30));
    expect(renewed.state.heldBy?.expiresAt).toBe("2026-11-22T10:01:30.000Z");
    expect(renewed.effects.map((effect) => effect.type)).toEqual(["mark_chat"]);
  });

  test("a takeover stops the answer that is streaming, through the cancel path", () => {
    const sent = decide(fresh(), send("k1"), contextAt(1));
    const answerId = sent.state.turn?.assistantMessageId ?? "";

    const taken = decide(sent.state, command("take_over", { agent: grace }), contextAt(2));

    expect(taken.effects[0]).toEqual({ type: "signal_cancel", assistantMessageId: answerId });
    expect(taken.state.turn?.cancelRequested).toBe(true);
  });

  test("while held, a user's message is stored and shown but not answered; repeated, it answers the same", () => {
    const { state } = run(fresh(), [[1, command("take_over", { agent: grace })]]);

    const sent = decide(state, send("k1"), contextAt(2));

    expect(sent.effects.map((effect) => effect.type)).toEqual(["store_message", "publish_message_created"]);
    expect(sent.reply).toMatchObject({ heldBy: { agentId: "agent-1", name: "Grace" } });
    expect(sent.reply).not.toHaveProperty("assistantMessageId");
    expect(sent.state.turn).toBeNull();
    const repeated = decide(sent.state, send("k1"), contextAt(3));
    expect(repeated.effects).toEqual([]);
    expect(repeated.reply).toEqual(sent.reply);
    expect(
      refusal(() =>
        decide(state, command("regenerate_answer", { messageId: "a", clientMessageId: "k2" }), contextAt(2)),
      ).code,
    ).toBe("CHAT_HELD");
  });

  test("an agent's message is an assistant message with its author, renews the hold (the chat's mark too) and is logged once", () => {
    const { state } = run(fresh(), [[1, command("take_over", { agent: grace })]]);

    const written = decide(
      state,
      command("agent_message", { agent: grace, content: "Hi, I am Grace", clientMessageId: "g1" }),
      contextAt(20),
    );

    const message: Message = {
      id: "id-20-1",
      chatId: "chat-1",
      role: "assistant",
      content: "Hi, I am Grace",
      createdAt: "2026-11-22T10:00:20.000Z",
      clientMessageId: "g1",
      author: { kind: "agent", id: "agent-1", name: "Grace" },
      parentId: null,
    };
    expect(written.reply).toEqual({ message });
    expect(written.effects).toEqual([
      { type: "store_message", message, activeLeafVersion: 1 },
      { type: "publish_message_created", message },
      {
        type: "mark_chat",
        heldBy: {
          agentId: "agent-1",
          name: "Grace",
          since: expect.any(String),
          expiresAt: "2026-11-22T10:01:20.000Z",
        },
      },
      {
        type: "audit",
        action: "agent_message",
        agent: { id: "agent-1", email: "grace@example.com" },
        details: { userId: "user-1", messageId: "id-20-1" },
      },
    ]);
    expect(written.state.heldBy?.expiresAt).toBe("2026-11-22T10:01:20.000Z");
    const repeated = decide(
      written.state,
      command("agent_message", { agent: grace, content: "Hi, I am Grace", clientMessageId: "g1" }),
      contextAt(21),
    );
    expect(repeated).toMatchObject({ effects: [], reply: { message } });
  });

  test("only the holder writes: another agent gets CHAT_HELD, an unheld chat CHAT_NOT_HELD", () => {
    const { state } = run(fresh(), [[1, command("take_over", { agent: grace })]]);
    const write = (agent: ChatAgent, at: ChatActorState) =>
      refusal(() =>
        decide(at, command("agent_message", { agent, content: "x", clientMessageId: "x1" }), contextAt(2)),
      ).code;

    expect(write(alan, state)).toBe("CHAT_HELD");
    expect(write(grace, fresh())).toBe("CHAT_NOT_HELD");
    expect(refusal(() => decide(state, command("release_chat", { agent: alan }), contextAt(2))).code).toBe(
      "CHAT_HELD",
    );
  });

  test("a release gives the chat back to the AI: logged, announced, and the next message is answered", () => {
    const { state, decision } = run(fresh(), [
      [1, command("take_over", { agent: grace })],
      [2, command("release_chat", { agent: grace })],
    ]);

    expect(decision.reply).toMatchObject({ heldBy: null, assisted: true });
    expect(decision.effects).toEqual([
      { type: "mark_chat", heldBy: null },
      {
        type: "publish_event",
        event: {
          type: "agent_left",
          data: { chatId: "chat-1", agent: { id: "agent-1", name: "Grace" }, reason: "released" },
        },
      },
      {
        type: "audit",
        action: "chat_released",
        agent: { id: "agent-1", email: "grace@example.com" },
        details: { userId: "user-1", reason: "released" },
      },
    ]);
    expect(decide(state, send("k1"), contextAt(3)).effects.map((effect) => effect.type)).toContain(
      "dispatch_generation",
    );
    expect(decide(state, command("release_chat", { agent: grace }), contextAt(3)).effects).toEqual([]);
  });

  test("a hold not renewed expires at the next command: announced, logged, and the AI answers it", () => {
    const { state } = run(fresh(), [[1, command("take_over", { agent: grace })]]);

    const after = decide(state, send("k1"), contextAt(62));

    expect(after.effects.map((effect) => effect.type)).toEqual([
      "mark_chat",
      "publish_event",
      "audit",
      "store_message",
      "publish_message_created",
      "dispatch_generation",
      "mark_dispatched",
    ]);
    expect(after.effects[1]).toMatchObject({ event: { type: "agent_left", data: { reason: "expired" } } });
    expect(after.state.heldBy).toBeNull();
    // Another agent may take it over once it expired.
    expect(decide(state, command("take_over", { agent: alan }), contextAt(62)).state.heldBy?.agentId).toBe(
      "agent-2",
    );
  });

  test("the answer cancelled by a takeover still ends its turn when reported", () => {
    const sent = decide(fresh(), send("k1"), contextAt(1));
    const answerId = sent.state.turn?.assistantMessageId ?? "";
    const taken = decide(sent.state, command("take_over", { agent: grace }), contextAt(2));
    const report: GenerationFinishedCommand = {
      ...envelope,
      id: "finished",
      type: "generation_finished",
      assistantMessageId: answerId,
      finishReason: "cancelled",
      fullContent: "half",
      codeBlocks: [],
      usage: { inputTokens: 1, outputTokens: 1 },
      model: "demo",
      answerCreatedAt: "2026-11-22T10:00:01.000Z",
    };

    const ended = decide(taken.state, report, contextAt(3));

    expect(ended.state.turn).toBeNull();
    expect(ended.state.heldBy?.agentId).toBe("agent-1");
  });

  test("expire_hold from the sweep ends an expired hold, leaves a renewed one, and clears a stale record", () => {
    const { state } = run(fresh(), [[1, command("take_over", { agent: grace })]]);

    expect(decide(state, command("expire_hold"), contextAt(30))).toEqual({ state, effects: [], reply: null });
    const expired = decide(state, command("expire_hold"), contextAt(62));
    expect(expired.state.heldBy).toBeNull();
    expect(expired.effects.map((effect) => effect.type)).toEqual(["mark_chat", "publish_event", "audit"]);
    expect(expired.reply).toBeNull();
    // An actor without a hold (its state was lost) clears what the store still records.
    expect(decide(fresh(), command("expire_hold"), contextAt(62)).effects).toEqual([
      { type: "mark_chat", heldBy: null },
    ]);
  });
});
