import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatCommandClient, InProcessBus, StoreClient } from "@chat/bus";
import { type ContextMessage, GenerationWork, type SendMessageReply } from "@chat/contracts";
import { newId } from "@chat/runtime";
import { startSession } from "@chat/session";
import { MemoryActorState } from "@chat/state";
import { openRepository, startStore } from "@chat/store";
import pino from "pino";

/**
 * The model's context follows the active path: the session with the real store (SQLite) on the
 * in-process bus, and an orchestrator that records each context and answers "A:<question>".
 */
describe("the model's context is the active path up to the question", () => {
  type Running = { stop(): Promise<void> };
  let bus: InProcessBus;
  let dataDir: string;
  const running: Running[] = [];
  const contexts = new Map<string, ContextMessage[]>();
  /** The answers whose report the orchestrator sent. */
  const reported = new Set<string>();
  let commands: ChatCommandClient;
  let chatId: string;
  const userId = "user-1";
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const logger = pino({ level: "silent" });

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 3, logger });
    dataDir = mkdtempSync(join(tmpdir(), "model-context-"));
    const repository = await openRepository({
      DATA_DIR: dataDir,
      MONGODB_URL: undefined,
      MONGODB_DATABASE: "chat",
    });
    running.push(await startStore({ bus, repository, logger }));
    running.push(
      await startSession({
        bus,
        actorState: new MemoryActorState({ ttlSeconds: 600, replayLogMaxLength: 1_000 }),
        logger,
        config: {
          CONTEXT_MESSAGE_LIMIT: 50,
          TURN_TIMEOUT_MS: 60_000,
          ANSWER_RECOVERY_INTERVAL_MS: 60_000,
          ANSWER_DRAFT_STALE_MS: 60_000,
          HOLD_TTL_MS: 60_000,
          CHAT_RETENTION_DAYS: 0,
          CHAT_RETENTION_SWEEP_INTERVAL_MS: 3_600_000,
          BUS_REQUEST_TIMEOUT_MS: 5_000,
        },
      }),
    );
    commands = new ChatCommandClient(bus, { timeoutMs: 5_000, newId });
    await bus.consumeWork<GenerationWork>(
      "ai.generate",
      { name: "orchestrator", schema: GenerationWork, prefetch: 4 },
      async (work) => {
        if (work.type !== "generation_requested") return;
        contexts.set(work.assistantMessageId, work.messages);
        const question = work.messages.at(-1)?.content ?? "";
        // An answer that takes a while, for the commands refused while it is written.
        if (question === "slow") await Bun.sleep(1_000);
        await commands.notify(
          "generation_finished",
          {
            chatId: work.chatId,
            userId: work.userId,
            assistantMessageId: work.assistantMessageId,
            finishReason: "stop",
            fullContent: `A:${question}`,
            codeBlocks: [],
            usage: { inputTokens: 1, outputTokens: 1 },
            model: "demo",
            answerCreatedAt: new Date().toISOString(),
          },
          traceparent,
        );
        reported.add(work.assistantMessageId);
      },
    );
    const store = new StoreClient(bus, { timeoutMs: 5_000, newId });
    chatId = newId();
    await store.call(
      "store.create_chat",
      { userId, chat: { id: chatId, title: "Context", model: "demo", createdAt: new Date().toISOString() } },
      traceparent,
    );
  });

  afterEach(async () => {
    for (const service of running.splice(0).reverse()) await service.stop();
    await bus.close();
    rmSync(dataDir, { recursive: true, force: true });
    contexts.clear();
    reported.clear();
  });

  /** The context of a turn's answer, once its generation was asked for; the turn has ended when this returns. */
  async function contextOf(reply: SendMessageReply): Promise<string[]> {
    const answerId = reply.assistantMessageId as string;
    for (let attempt = 0; attempt < 500; attempt++) {
      const context = contexts.get(answerId);
      // The turn ends with the answer's report; a command may follow only then.
      if (context && reported.has(answerId)) {
        await Bun.sleep(20);
        return context.map(
          (message) => `${message.role === "user" ? "Q" : "A"}:${message.content.replace(/^A:/, "")}`,
        );
      }
      await Bun.sleep(10);
    }
    throw new Error(`no generation was asked for ${answerId}`);
  }

  const owner = () => ({ chatId, userId });
  let sequence = 0;
  const send = (content: string) =>
    commands.send({ ...owner(), content, clientMessageId: `send-${++sequence}` }, traceparent);
  const edit = (messageId: string, content: string) =>
    commands.edit({ ...owner(), messageId, content, clientMessageId: `edit-${++sequence}` }, traceparent);
  const regenerate = (messageId: string) =>
    commands.regenerate({ ...owner(), messageId, clientMessageId: `regenerate-${++sequence}` }, traceparent);

  /** Each case: what happens in a chat of q1 → q2 → q3 (each answered), then the context of the next answer. */
  const cases: Array<{
    name: string;
    act: (turns: SendMessageReply[]) => Promise<SendMessageReply>;
    context: string[];
  }> = [
    {
      name: "a new question follows the whole path",
      act: () => send("q4"),
      context: ["Q:q1", "A:q1", "Q:q2", "A:q2", "Q:q3", "A:q3", "Q:q4"],
    },
    {
      name: "regenerating the last answer leaves the old answer out",
      act: (turns) => regenerate(turns[2]?.assistantMessageId as string),
      context: ["Q:q1", "A:q1", "Q:q2", "A:q2", "Q:q3"],
    },
    {
      name: "editing a middle question takes the path up to its parent",
      act: (turns) => edit(turns[1]?.userMessage.id as string, "q2 edited"),
      context: ["Q:q1", "A:q1", "Q:q2 edited"],
    },
    {
      name: "editing the first question takes nothing before it",
      act: (turns) => edit(turns[0]?.userMessage.id as string, "q1 edited"),
      context: ["Q:q1 edited"],
    },
    {
      name: "after an edit, the next question follows the new branch",
      act: async (turns) => {
        await contextOf(await edit(turns[1]?.userMessage.id as string, "q2 edited"));
        return send("q3 on the new branch");
      },
      context: ["Q:q1", "A:q1", "Q:q2 edited", "A:q2 edited", "Q:q3 on the new branch"],
    },
    {
      name: "after switching back to the old branch, the next question follows it",
      act: async (turns) => {
        await contextOf(await edit(turns[1]?.userMessage.id as string, "q2 edited"));
        await commands.switchBranch(
          { ...owner(), messageId: turns[1]?.userMessage.id as string },
          traceparent,
        );
        return send("q4 on the old branch");
      },
      context: ["Q:q1", "A:q1", "Q:q2", "A:q2", "Q:q3", "A:q3", "Q:q4 on the old branch"],
    },
    {
      name: "after switching to an older answer, the next question follows that answer",
      act: async (turns) => {
        const again = await regenerate(turns[2]?.assistantMessageId as string);
        await contextOf(again);
        await commands.switchBranch(
          { ...owner(), messageId: turns[2]?.assistantMessageId as string },
          traceparent,
        );
        return send("q4 after the first answer");
      },
      context: ["Q:q1", "A:q1", "Q:q2", "A:q2", "Q:q3", "A:q3", "Q:q4 after the first answer"],
    },
  ];

  for (const { name, act, context } of cases) {
    test(name, async () => {
      const turns: SendMessageReply[] = [];
      for (const content of ["q1", "q2", "q3"]) {
        const reply = await send(content);
        await contextOf(reply);
        turns.push(reply);
      }
      expect(await contextOf(await act(turns))).toEqual(context);
    });
  }

  /** The error code a command is refused with, or "ok". */
  const refusal = (reply: Promise<unknown>) =>
    reply.then(
      () => "ok",
      (error: { code?: string }) => error.code,
    );

  test("no switch or edit while an answer is written; the message to switch to must be the chat's", async () => {
    const first = await send("q1");
    await contextOf(first);
    const slow = await send("slow");
    const switchToFirst = () =>
      commands.switchBranch({ ...owner(), messageId: first.userMessage.id }, traceparent);
    expect(await refusal(switchToFirst())).toBe("CHAT_BUSY");
    expect(await refusal(edit(first.userMessage.id, "q1 edited"))).toBe("CHAT_BUSY");
    expect(await contextOf(slow)).toEqual(["Q:q1", "A:q1", "Q:slow"]);
    expect(await refusal(commands.switchBranch({ ...owner(), messageId: "unknown" }, traceparent))).toBe(
      "MESSAGE_NOT_FOUND",
    );
    const stranger = { chatId, userId: "someone-else", messageId: first.userMessage.id };
    expect(await refusal(commands.switchBranch(stranger, traceparent))).toBe("CHAT_NOT_FOUND");
    expect(await refusal(switchToFirst())).toBe("ok");
  });
});
