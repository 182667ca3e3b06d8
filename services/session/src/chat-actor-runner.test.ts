import { describe, expect, test } from "bun:test";
import { StoreClient } from "@chat/bus";
import {
  AppError,
  type CancelGenerationCommand,
  type Chat,
  DEFAULT_CHAT_TITLE,
  type DeleteChatCommand,
  type EditMessageCommand,
  type GenerationFinishedCommand,
  type GenerationRequest,
  type Message,
  type RecoverAnswerCommand,
  type RegenerateAnswerCommand,
  type SendMessageCommand,
  type SwitchBranchCommand,
  type UpdateChatCommand,
} from "@chat/contracts";
import { ChatEventPublisher, MemoryActorState } from "@chat/state";
import pino from "pino";
import { type BusRecord, RecordingBus } from "../../../test/support/recording-bus.ts";
import type { ChatActorState } from "./chat-actor.ts";
import { ChatActorRunner } from "./chat-actor-runner.ts";

type JournalEntry =
  | BusRecord
  | { kind: "save"; version: number; turn: ChatActorState["turn"] }
  | { kind: "append"; chatId: string; type: string };

/** The actor state in memory, each successful save and each replay-log append written to the journal. */
class JournaledActorState extends MemoryActorState {
  constructor(private readonly journal: JournalEntry[]) {
    super({ ttlSeconds: 3_600, replayLogMaxLength: 100 });
    const append = this.replayLog.append.bind(this.replayLog);
    this.replayLog.append = async (chatId, event) => {
      const logged = await append(chatId, event);
      journal.push({ kind: "append", chatId, type: event.type });
      return logged;
    };
  }

  override async save<S>(chatId: string, state: S, expectedVersion: number): Promise<number | null> {
    const version = await super.save(chatId, state, expectedVersion);
    if (version !== null) {
      this.journal.push({ kind: "save", version, turn: (state as ChatActorState).turn });
    }
    return version;
  }
}

/**
 * The store's side of the requests the runner makes, over one chat's messages kept as one list:
 * the path to a message is the list up to it (the real tree is the store's contract suite's).
 */
class FakeStore {
  readonly chats = new Map<string, { chat: Chat; userId: string; messages: Message[] }>();
  /** The actions of the audit entries appended, in order. */
  readonly audit: string[] = [];
  /** The leaves set, in order. */
  readonly leaves: string[] = [];
  /** Projects by id, each with its owner and instructions. */
  readonly projects = new Map<string, { userId: string; instructions: string }>();

  addChat(chatId: string, userId: string, title = DEFAULT_CHAT_TITLE): void {
    const at = "2026-11-22T09:00:00.000Z";
    this.chats.set(chatId, {
      userId,
      chat: { id: chatId, title, model: "demo", createdAt: at, lastActivityAt: at },
      messages: [],
    });
  }

  answer(message: Record<string, unknown>): unknown {
    // append_message names its chat in the message, not in the envelope.
    const chatId =
      message.type === "store.append_message" ? (message.message as Message).chatId : message.chatId;
    const found = this.chats.get(String(chatId));
    const mine = found && found.userId === message.userId ? found : undefined;
    switch (message.type) {
      case "store.get_chat": {
        if (!mine) return null;
        const limit = Number(message.messageLimit);
        const end = mine.messages.findIndex((each) => each.id === message.pathTo);
        const path = message.pathTo === undefined ? mine.messages : mine.messages.slice(0, end + 1);
        const project = mine.chat.projectId ? this.projects.get(mine.chat.projectId) : undefined;
        const instructions =
          message.withProjectInstructions && project && project.userId === message.userId
            ? { projectInstructions: project.instructions }
            : {};
        return {
          chat: mine.chat,
          messages: limit === 0 ? [] : path.slice(-limit),
          hasOlderMessages: path.length > limit,
          ...instructions,
        };
      }
      case "store.get_message":
        return mine?.messages.find((each) => each.id === message.messageId) ?? null;
      case "store.find_branch_leaf": {
        const found = mine?.messages.some((each) => each.id === message.messageId);
        return found ? { leafId: mine?.messages.at(-1)?.id } : null;
      }
      case "store.set_active_leaf":
        this.leaves.push(String(message.leafId));
        return { set: true };
      case "store.append_message": {
        const appended = message.message as Message;
        if (!mine || mine.messages.some((each) => each.id === appended.id)) return { created: false };
        mine.messages.push(appended);
        return { created: true };
      }
      case "store.update_chat": {
        if (!mine) return null;
        if (typeof message.onlyIfTitle === "string" && message.onlyIfTitle !== mine.chat.title) {
          return { chat: mine.chat, updated: false };
        }
        if (typeof message.title === "string") mine.chat = { ...mine.chat, title: message.title };
        return { chat: mine.chat, updated: true };
      }
      case "store.delete_chat":
        return { deleted: this.chats.delete(String(message.chatId)) };
      case "store.mark_chat": {
        if (!mine) return null;
        const { needsHelp, assisted, heldBy } = message as Partial<Chat>;
        mine.chat = {
          ...mine.chat,
          ...(needsHelp === undefined ? {} : { needsHelp }),
          ...(assisted ? { assisted } : {}),
          ...(heldBy === undefined ? {} : { heldBy }),
        };
        return mine.chat;
      }
      case "store.append_audit_entry":
        this.audit.push((message as { entry: { action: string } }).entry.action);
        return null;
      default:
        throw new Error(`FakeStore: ${String(message.type)} is not faked`);
    }
  }
}

const envelope = { v: 1 as const, chatId: "chat-1", traceparent: "00-trace" };
const startedAt = Date.parse("2026-11-22T10:00:00.000Z");
let clock = startedAt;

function send(clientMessageId: string, content = "hello"): SendMessageCommand {
  return {
    ...envelope,
    id: `send-${clientMessageId}`,
    type: "send_message",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    content,
    clientMessageId,
  };
}

function finished(assistantMessageId: string, fullContent = "the answer"): GenerationFinishedCommand {
  return {
    ...envelope,
    id: `finished-${assistantMessageId}`,
    type: "generation_finished",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    assistantMessageId,
    finishReason: "stop",
    fullContent,
    codeBlocks: [],
    usage: { inputTokens: 3, outputTokens: 2 },
    model: "demo",
    answerCreatedAt: "2026-11-22T10:00:00.000Z",
  };
}

function cancel(chatId = "chat-1"): CancelGenerationCommand {
  return {
    ...envelope,
    chatId,
    id: `cancel-${clock}`,
    type: "cancel_generation",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
  };
}

function regenerate(messageId: string, clientMessageId: string): RegenerateAnswerCommand {
  return {
    ...envelope,
    id: `regenerate-${clientMessageId}`,
    type: "regenerate_answer",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    messageId,
    clientMessageId,
  };
}

function edit(messageId: string, content: string, clientMessageId: string): EditMessageCommand {
  return {
    ...envelope,
    id: `edit-${clientMessageId}`,
    type: "edit_message",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    messageId,
    content,
    clientMessageId,
  };
}

function switchBranch(messageId: string): SwitchBranchCommand {
  return {
    ...envelope,
    id: `switch-${messageId}-${clock}`,
    type: "switch_branch",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    messageId,
  };
}

function recover(assistantMessageId: string, content: string): RecoverAnswerCommand {
  return {
    ...envelope,
    id: `recover-${assistantMessageId}`,
    type: "recover_answer",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    assistantMessageId,
    content,
    model: "demo",
    answerCreatedAt: "2026-11-22T10:00:00.000Z",
  };
}

function rename(title: string, onlyIfTitle?: string): UpdateChatCommand {
  return {
    ...envelope,
    id: `rename-${title}`,
    type: "update_chat",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
    title,
    ...(onlyIfTitle ? { onlyIfTitle } : {}),
  };
}

function deleteChat(): DeleteChatCommand {
  return {
    ...envelope,
    id: `delete-${clock}`,
    type: "delete_chat",
    occurredAt: new Date(clock).toISOString(),
    userId: "user-1",
  };
}

function setUp() {
  clock = startedAt;
  const journal: JournalEntry[] = [];
  const store = new FakeStore();
  store.addChat("chat-1", "user-1");
  const bus = new RecordingBus({
    services: { store: (message) => store.answer(message) },
    records: journal,
  });
  const actorState = new JournaledActorState(journal);
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const now = () => new Date(clock);
  const runner = new ChatActorRunner(
    {
      bus,
      actorState,
      store: new StoreClient(bus, { timeoutMs: 1_000, newId, now }),
      events: new ChatEventPublisher(bus, actorState.replayLog, { newId, now }),
      logger: pino({ level: "silent" }),
    },
    { contextMessageLimit: 10, turnTimeoutMs: 60_000, holdTtlMs: 60_000, now, newId },
  );
  /** What the journal shows without the store reads: saves, writes and what went out. */
  const steps = () =>
    journal
      .filter((entry) => !(entry.kind === "request" && entry.message.type === "store.get_chat"))
      .map((entry) => {
        if (entry.kind === "save") return `save ${entry.turn ? entry.turn.phase : "free"}`;
        if (entry.kind === "append") return `show ${entry.type}`;
        if (entry.kind === "request") return entry.message.type;
        if (entry.kind === "work") return `work ${entry.message.type}`;
        if (entry.kind === "command") return `command ${entry.message.type}`;
        return `event ${entry.routingKey}`;
      });
  return { journal, store, bus, actorState, runner, steps };
}

type SendReply = { userMessage: Message; assistantMessageId: string; replacedMessageId?: string };

describe("ChatActorRunner", () => {
  test("a send saves the accepted turn before any effect, then stores, shows, dispatches and saves it dispatched", async () => {
    const { runner, steps, bus, store, actorState, journal } = setUp();

    const reply = (await runner.handle(send("c1", "How are you?"))) as SendReply;

    // A new actor reads its chat's active path once, and that read is the first question's context.
    const requests = journal.flatMap((entry) => {
      if (entry.kind !== "request") return [];
      const { type, messageLimit } = entry.message as { type: string; messageLimit?: number };
      return [messageLimit === undefined ? type : `${type} ${messageLimit}`];
    });
    expect(requests).toEqual(["store.get_chat 10", "store.append_message"]);

    expect(reply.userMessage).toMatchObject({ chatId: "chat-1", role: "user", content: "How are you?" });
    expect(steps()).toEqual([
      "save accepted",
      "store.append_message",
      "show message_created",
      "work generation_requested",
      "save dispatched",
    ]);
    expect(store.chats.get("chat-1")?.messages.map((message) => message.content)).toEqual(["How are you?"]);
    const [work] = bus.recordsOf("work");
    const request = work?.message as GenerationRequest;
    expect(request).toMatchObject({
      chatId: "chat-1",
      userId: "user-1",
      assistantMessageId: reply.assistantMessageId,
      model: "demo",
      messages: [{ role: "user", content: "How are you?" }],
    });
    expect((await actorState.load<ChatActorState>("chat-1"))?.state.turn?.phase).toBe("dispatched");
  });

  test("a chat in a project is answered with the project's instructions as they are now", async () => {
    const { runner, bus, store } = setUp();
    const stored = store.chats.get("chat-1");
    if (stored) stored.chat = { ...stored.chat, projectId: "project-1", systemPrompt: "Be brief." };
    store.projects.set("project-1", { userId: "user-1", instructions: "You help with the garden." });

    const first = (await runner.handle(send("c1", "Roses?"))) as SendReply;
    await runner.handle(finished(first.assistantMessageId));
    store.projects.set("project-1", { userId: "user-1", instructions: "Answer in French." });
    await runner.handle(send("c2", "Tulips?"));

    const requests = bus
      .recordsOf("work")
      .map((work) => work.message as GenerationRequest)
      .filter((work) => work.type === "generation_requested");
    expect(requests.map((request) => [request.projectInstructions, request.systemPrompt])).toEqual([
      ["You help with the garden.", "Be brief."],
      ["Answer in French.", "Be brief."],
    ]);
  });

  test("a chat whose project has no instructions (or is gone) is answered without any", async () => {
    const { runner, bus, store } = setUp();
    const stored = store.chats.get("chat-1");
    if (stored) stored.chat = { ...stored.chat, projectId: "project-gone" };

    await runner.handle(send("c1", "Roses?"));

    const requests = bus.recordsOf("work").map((work) => work.message as GenerationRequest);
    expect(requests.map((request) => [request.type, request.projectInstructions])).toEqual([
      ["generation_requested", undefined],
    ]);
  });

  test("the turn's end saves the free chat before message_complete is published, then asks for a title", async () => {
    const { runner, steps, bus, journal } = setUp();
    const { assistantMessageId } = (await runner.handle(send("c1", "Name this chat"))) as SendReply;
    journal.length = 0;
    bus.records.length = 0;

    expect(await runner.handle(finished(assistantMessageId))).toBeNull();

    expect(steps()).toEqual([
      "save free",
      "show message_complete",
      "event chat.chat-1.message_complete",
      "work title_requested",
    ]);
    const [complete] = bus.recordsOf("event");
    expect(complete?.durable).toBe(true);
    expect(complete?.message).toMatchObject({
      type: "message_complete",
      data: { messageId: assistantMessageId, fullContent: "the answer", finishReason: "stop" },
    });
    expect(bus.recordsOf("work")[0]?.message).toMatchObject({
      type: "title_requested",
      question: "Name this chat",
      answer: "the answer",
    });
  });

  test("a redelivered generation_finished publishes the answer again and saves nothing", async () => {
    const { runner, steps, journal } = setUp();
    const { assistantMessageId } = (await runner.handle(send("c1"))) as SendReply;
    await runner.handle(finished(assistantMessageId));
    journal.length = 0;

    await runner.handle(finished(assistantMessageId));

    expect(steps()).toEqual(["show message_complete", "event chat.chat-1.message_complete"]);
  });

  test("the next send's context carries the last answer before the store has written it", async () => {
    const { runner, bus } = setUp();
    const { assistantMessageId } = (await runner.handle(send("c1", "first"))) as SendReply;
    await runner.handle(finished(assistantMessageId, "first answer"));
    bus.records.length = 0;

    await runner.handle(send("c2", "second"));

    const request = bus.recordsOf("work")[0]?.message as GenerationRequest;
    expect(request.messages).toEqual([
      { role: "user", content: "first" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second" },
    ]);
  });

  test("an actor lost with its memory is made again from one read of the path, which is also the context", async () => {
    const { runner, bus, journal, store, actorState } = setUp();
    const first = (await runner.handle(send("c1", "first"))) as SendReply;
    await runner.handle(finished(first.assistantMessageId, "first answer"));
    store.chats.get("chat-1")?.messages.push({
      ...first.userMessage,
      id: first.assistantMessageId,
      role: "assistant",
      content: "first answer",
      parentId: first.userMessage.id,
    });
    await actorState.delete("chat-1");
    journal.length = 0;
    bus.records.length = 0;

    await runner.handle(send("c2", "second"));

    const reads = journal.filter(
      (entry) => entry.kind === "request" && entry.message.type === "store.get_chat",
    );
    expect(reads).toHaveLength(1);
    const request = bus.recordsOf("work")[0]?.message as GenerationRequest;
    expect(request.messages).toEqual([
      { role: "user", content: "first" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second" },
    ]);
    const question = bus.recordsOf("request").find((entry) => entry.message.type === "store.append_message");
    const written = question?.message as unknown as { message: Message } | undefined;
    expect(written?.message.parentId).toBe(first.assistantMessageId);
  });

  test("the context lists each message's attachments, for the orchestrator to read", async () => {
    const { runner, bus } = setUp();
    const report = { id: "att-1", name: "report.pdf", mediaType: "application/pdf", size: 1_234 };
    const photo = { id: "att-2", name: "photo.png", mediaType: "image/png", size: 99 };
    const { assistantMessageId } = (await runner.handle({
      ...send("c1", "read this"),
      attachments: [report],
    })) as SendReply;
    await runner.handle(finished(assistantMessageId, "read"));
    bus.records.length = 0;

    await runner.handle({ ...send("c2", "and this"), attachments: [photo] });

    const request = bus.recordsOf("work")[0]?.message as GenerationRequest;
    expect(request.messages).toEqual([
      { role: "user", content: "read this", attachments: [report] },
      { role: "assistant", content: "read" },
      { role: "user", content: "and this", attachments: [photo] },
    ]);
  });

  test("a redelivered send whose effects were cut short runs them again; once dispatched, it only replies", async () => {
    const { runner, steps, bus, journal } = setUp();
    bus.beforeRecord = (record) => {
      if (record.kind === "work") throw new AppError("UNAVAILABLE", "broker down", { retryable: true });
    };
    await expect(runner.handle(send("c1"))).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(steps()).toEqual(["save accepted", "store.append_message", "show message_created"]);
    bus.beforeRecord = null;
    journal.length = 0;

    const first = (await runner.handle(send("c1"))) as SendReply;
    expect(steps()).toEqual([
      "store.append_message",
      "show message_created",
      "work generation_requested",
      "save dispatched",
    ]);
    journal.length = 0;

    const again = (await runner.handle(send("c1"))) as SendReply;
    expect(again).toEqual(first);
    expect(steps()).toEqual([]);
  });

  test("another message while a turn runs is CHAT_BUSY and changes nothing", async () => {
    const { runner, steps, journal } = setUp();
    await runner.handle(send("c1"));
    journal.length = 0;

    await expect(runner.handle(send("c2"))).rejects.toMatchObject({ code: "CHAT_BUSY" });
    expect(steps()).toEqual([]);
  });

  test("cancel signals the orchestrators on the chat's control key and answers which message it was", async () => {
    const { runner, bus, journal, steps } = setUp();
    const { assistantMessageId } = (await runner.handle(send("c1"))) as SendReply;
    journal.length = 0;

    expect(await runner.handle(cancel())).toEqual({ cancelled: true, messageId: assistantMessageId });
    expect(steps()).toEqual(["save dispatched", "event control.chat-1.generation_cancel"]);
    expect(bus.recordsOf("event").at(-1)?.message).toMatchObject({
      type: "generation_cancel",
      assistantMessageId,
    });
  });

  test("cancel with nothing running answers cancelled false; a chat that is not the user's is CHAT_NOT_FOUND", async () => {
    const { runner, steps } = setUp();
    expect(await runner.handle(cancel())).toEqual({ cancelled: false, messageId: null });
    await expect(runner.handle(cancel("chat-unknown"))).rejects.toMatchObject({ code: "CHAT_NOT_FOUND" });
    expect(steps()).toEqual([]);
  });

  test("regenerate keeps the latest answer, dispatches the question again without it and replies with it", async () => {
    const { runner, steps, bus, journal, store } = setUp();
    const sent = (await runner.handle(send("c1", "question"))) as SendReply;
    await runner.handle(finished(sent.assistantMessageId, "old answer"));
    journal.length = 0;
    bus.records.length = 0;

    const reply = (await runner.handle(regenerate(sent.assistantMessageId, "r1"))) as SendReply;

    expect(reply.replacedMessageId).toBe(sent.assistantMessageId);
    expect(reply.userMessage.id).toBe(sent.userMessage.id);
    expect(reply.assistantMessageId).not.toBe(sent.assistantMessageId);
    expect(steps()).toEqual([
      "save accepted",
      "store.set_active_leaf",
      "show branch_switched",
      "work generation_requested",
      "save dispatched",
    ]);
    expect(store.leaves).toEqual([sent.userMessage.id]);
    const request = bus.recordsOf("work")[0]?.message as GenerationRequest;
    expect(request.messages).toEqual([{ role: "user", content: "question" }]);
  });

  test("an edit stores the new version after the edited question's parent and answers it from that path", async () => {
    const { runner, steps, bus, journal, store } = setUp();
    const first = (await runner.handle(send("c1", "first"))) as SendReply;
    await runner.handle(finished(first.assistantMessageId, "first answer"));
    const second = (await runner.handle(send("c2", "second"))) as SendReply;
    await runner.handle(finished(second.assistantMessageId, "second answer"));
    // The store wrote both answers (from their message_complete).
    const messages = store.chats.get("chat-1")?.messages ?? [];
    messages.splice(1, 0, {
      ...first.userMessage,
      id: first.assistantMessageId,
      role: "assistant",
      content: "first answer",
      parentId: first.userMessage.id,
    });
    messages.push({
      ...second.userMessage,
      id: second.assistantMessageId,
      role: "assistant",
      content: "second answer",
      parentId: second.userMessage.id,
    });
    journal.length = 0;
    bus.records.length = 0;

    const reply = (await runner.handle(edit(second.userMessage.id, "second, better", "e1"))) as SendReply;

    expect(reply.userMessage).toMatchObject({
      content: "second, better",
      parentId: first.assistantMessageId,
    });
    expect(steps()).toEqual([
      "store.get_message",
      "save accepted",
      "store.append_message",
      "show message_created",
      "show branch_switched",
      "work generation_requested",
      "save dispatched",
    ]);
    const request = bus.recordsOf("work")[0]?.message as GenerationRequest;
    expect(request.messages).toEqual([
      { role: "user", content: "first" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second, better" },
    ]);
    await expect(runner.handle(edit("unknown", "x", "e2"))).rejects.toMatchObject({ code: "CHAT_BUSY" });
  });

  test("a branch switch is CHAT_BUSY while an answer streams; once free it moves the leaf and is shown", async () => {
    const { runner, steps, journal, store } = setUp();
    const sent = (await runner.handle(send("c1", "question"))) as SendReply;
    await expect(runner.handle(switchBranch(sent.userMessage.id))).rejects.toMatchObject({
      code: "CHAT_BUSY",
    });
    await runner.handle(finished(sent.assistantMessageId, "answer"));
    journal.length = 0;

    expect(await runner.handle(switchBranch(sent.userMessage.id))).toEqual({
      chatId: "chat-1",
      activeLeafId: sent.assistantMessageId,
    });
    expect(steps()).toEqual([
      "store.find_branch_leaf",
      "save free",
      "store.set_active_leaf",
      "show branch_switched",
    ]);
    // The store had not written the answer yet: the branch ends at it all the same.
    expect(store.leaves).toEqual([sent.assistantMessageId]);
    await expect(runner.handle(switchBranch("unknown"))).rejects.toMatchObject({ code: "MESSAGE_NOT_FOUND" });
  });

  test("regenerate of an answer that is not the latest is NOT_LATEST_ANSWER", async () => {
    const { runner } = setUp();
    const sent = (await runner.handle(send("c1"))) as SendReply;
    await runner.handle(finished(sent.assistantMessageId));

    await expect(runner.handle(regenerate("id-older", "r1"))).rejects.toMatchObject({
      code: "NOT_LATEST_ANSWER",
    });
  });

  test("recover_answer for a chat whose actor was lost creates it and publishes the draft as interrupted", async () => {
    const { runner, steps, bus } = setUp();

    expect(await runner.handle(recover("answer-1", "half an ans"))).toBeNull();

    expect(steps()).toEqual(["save free", "show message_complete", "event chat.chat-1.message_complete"]);
    expect(bus.recordsOf("event")[0]?.message).toMatchObject({
      data: { messageId: "answer-1", fullContent: "half an ans", finishReason: "interrupted" },
    });
  });

  test("recover_answer leaves a turn still writing within its timeout alone, and ends one past it", async () => {
    const { runner, steps, journal } = setUp();
    const { assistantMessageId } = (await runner.handle(send("c1"))) as SendReply;
    journal.length = 0;

    await runner.handle(recover(assistantMessageId, "so far"));
    expect(steps()).toEqual([]);

    clock += 61_000;
    await runner.handle(recover(assistantMessageId, "so far"));
    expect(steps()).toEqual(["save free", "show message_complete", "event chat.chat-1.message_complete"]);
  });

  test("recover_answer for a chat the store does not know does nothing", async () => {
    const { runner, steps, store } = setUp();
    store.chats.clear();

    expect(await runner.handle(recover("answer-1", "text"))).toBeNull();
    expect(steps()).toEqual([]);
  });

  test("a send to a chat that is not the user's is CHAT_NOT_FOUND", async () => {
    const { runner, store } = setUp();
    store.chats.clear();
    store.addChat("chat-1", "user-2");

    await expect(runner.handle(send("c1"))).rejects.toMatchObject({ code: "CHAT_NOT_FOUND" });
  });

  test("a save that lost a race is UNAVAILABLE and retryable, and no effect runs", async () => {
    const { runner, actorState, steps, journal } = setUp();
    await runner.handle(send("c1"));
    journal.length = 0;
    const realSave = actorState.save.bind(actorState);
    actorState.save = async () => null;

    await expect(runner.handle(cancel())).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true });
    expect(steps()).toEqual([]);
    actorState.save = realSave;
  });

  test("a rename goes to the store and publishes chat_updated; one whose onlyIfTitle no longer matches publishes nothing", async () => {
    const { runner, steps, journal } = setUp();

    expect(await runner.handle(rename("Named"))).toMatchObject({ id: "chat-1", title: "Named" });
    expect(steps()).toEqual(["store.update_chat", "show chat_updated", "event chat.chat-1.chat_updated"]);
    journal.length = 0;

    expect(await runner.handle(rename("Auto title", DEFAULT_CHAT_TITLE))).toMatchObject({ title: "Named" });
    expect(steps()).toEqual(["store.update_chat"]);
  });

  test("a delete removes the chat, its actor and its replay log; a second one is CHAT_NOT_FOUND", async () => {
    const { runner, actorState } = setUp();
    await runner.handle(send("c1"));
    expect(await actorState.load("chat-1")).not.toBeNull();
    expect(await actorState.replayLog.readAfter("chat-1", null)).toMatchObject({
      events: [{ type: "message_created" }],
    });

    expect(await runner.handle(deleteChat())).toEqual({ deleted: true });
    expect(await actorState.load("chat-1")).toBeNull();
    expect(await actorState.replayLog.readAfter("chat-1", null)).toEqual({ status: "ok", events: [] });
    await expect(runner.handle(deleteChat())).rejects.toMatchObject({ code: "CHAT_NOT_FOUND" });
  });

  describe("help and takeover", () => {
    const agent = { id: "agent-1", email: "grace@example.com", name: "Grace" };
    const command = <T extends string>(type: T, fields: Record<string, unknown> = {}) =>
      ({
        ...envelope,
        id: `${type}-${clock}-${Math.random()}`,
        type,
        occurredAt: new Date(clock).toISOString(),
        userId: "user-1",
        ...fields,
      }) as unknown as Parameters<ChatActorRunner["handle"]>[0];

    test("a takeover saves the hold, marks the chat, publishes agent_joined (durable) and logs it", async () => {
      const { runner, steps, store } = setUp();
      await runner.handle(command("request_help", { note: "Stuck" }));
      await runner.handle(command("take_over", { agent }));

      expect(steps()).toEqual([
        "save free",
        "store.mark_chat",
        "show help_requested",
        "event chat.chat-1.help_requested",
        "save free",
        "store.mark_chat",
        "show help_cancelled",
        "show agent_joined",
        "event chat.chat-1.agent_joined",
        "store.append_audit_entry",
      ]);
      expect(store.chats.get("chat-1")?.chat).toMatchObject({
        needsHelp: false,
        assisted: true,
        heldBy: { agentId: "agent-1", name: "Grace" },
      });
      expect(store.audit).toEqual(["chat_taken_over"]);
    });

    test("while held a question is stored unanswered; after the release the model reads the agent as assistant", async () => {
      const { runner, steps, bus, store } = setUp();
      await runner.handle(command("take_over", { agent }));
      await runner.handle(command("agent_message", { agent, content: "Grace here", clientMessageId: "g1" }));
      const held = (await runner.handle(send("k1", "Thanks"))) as { assistantMessageId?: string };
      await runner.handle(
        command("agent_message", { agent, content: "You are welcome", clientMessageId: "g2" }),
      );
      await runner.handle(command("release_chat", { agent }));
      const journalBefore = steps().length;
      await runner.handle(send("k2", "And now?"));

      expect(held.assistantMessageId).toBeUndefined();
      expect(bus.recordsOf("work")).toHaveLength(1);
      const request = bus.recordsOf("work")[0]?.message as GenerationRequest;
      expect(request.messages).toEqual([
        { role: "assistant", content: "Grace here" },
        { role: "user", content: "Thanks" },
        { role: "assistant", content: "You are welcome" },
        { role: "user", content: "And now?" },
      ]);
      expect(
        store.chats.get("chat-1")?.messages.map((message) => message.author?.name ?? message.role),
      ).toEqual(["Grace", "user", "Grace", "user"]);
      expect(steps().slice(journalBefore)).toContain("work generation_requested");
      expect(store.audit).toEqual(["chat_taken_over", "agent_message", "agent_message", "chat_released"]);
    });
  });
});
