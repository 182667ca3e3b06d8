import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatCommandClient, StoreClient } from "@chat/bus";
import type {
  AnswerDraft,
  ChatEvent,
  GenerationFinishedCommand,
  GenerationRequest,
  LoggedChatEvent,
} from "@chat/contracts";
import { ChatEventPublisher, MemoryActorState, type ReplayLog } from "@chat/state";
import { LocalDiskStorage } from "@chat/storage";
import pino from "pino";
import { type BusRecord, RecordingBus } from "../../../test/support/recording-bus.ts";
import { AttachmentContextResolver } from "./attachments/attachment-context.ts";
import { GenerationCancellations } from "./generation-cancellations.ts";
import { GenerationWorker } from "./generation-worker.ts";
import { ModelCaller } from "./model-caller.ts";
import type { GenerateRequest, ModelProvider, StreamPart } from "./model-provider.ts";
import { fakeClock, finish, route, text } from "./providers/__fixtures__/scripted-provider.ts";
import { ProviderError } from "./providers/provider-error.ts";
import { TokenEstimator } from "./token-estimator.ts";
import { UsageLedger } from "./usage-ledger.ts";

const startedAt = Date.parse("2026-11-22T10:00:00.000Z");
const checkpointMs = 1_000;

/** A step of the answer: a part, a failure, or time passing on the worker's clock. */
type Step = StreamPart | ProviderError | { advanceMs: number } | { act: () => void };

/** A provider that plays one answer and moves the test's clock where the script says. */
class ClockedProvider implements ModelProvider {
  readonly id = "scripted";
  constructor(
    private readonly steps: Step[],
    private readonly advance: (milliseconds: number) => void,
  ) {}

  async *stream(_request: GenerateRequest): AsyncIterable<StreamPart> {
    for (const step of this.steps) {
      if (step instanceof ProviderError) throw step;
      if ("advanceMs" in step) this.advance(step.advanceMs);
      else if ("act" in step) step.act();
      else yield step;
    }
  }
}

/** One line per bus record: a checkpoint with its text, or the message's type. */
function describeRecord(record: BusRecord): string {
  if (record.kind !== "request") return record.message.type;
  const { draft } = record.message as unknown as { draft: AnswerDraft };
  return `checkpoint "${draft.content}"`;
}

/** One line per chat event: a chunk with its seq and text, or the event's type. */
function describeEvent(event: LoggedChatEvent): string {
  return event.type === "message_chunk" ? `chunk ${event.data.seq} "${event.data.content}"` : event.type;
}

async function setUp(
  steps: Step[],
  options: { saveAnswerDraft?: () => unknown; failAppend?: (event: ChatEvent) => boolean } = {},
) {
  let clock = startedAt;
  // What the worker did, in order: bus messages and appends to the chat's replay log.
  const journal: string[] = [];
  const bus = new RecordingBus({
    services: {
      store: (message) => {
        if (message.type !== "store.save_answer_draft") throw new Error(`unexpected ${message.type}`);
        return options.saveAnswerDraft ? options.saveAnswerDraft() : { saved: true };
      },
    },
    records: { push: (record) => journal.push(describeRecord(record)) },
  });
  const actorState = new MemoryActorState({ ttlSeconds: 3_600, replayLogMaxLength: 100 });
  const logged: LoggedChatEvent[] = [];
  await actorState.replayLog
    .openTail({
      onEvent: ({ event }) => {
        logged.push(event);
        journal.push(describeEvent(event));
      },
      onGap: () => {},
    })
    .then((tail) => tail.watch("chat-1"));
  const replayLog: ReplayLog = {
    append: (chatId, event) =>
      options.failAppend?.(event)
        ? Promise.reject(new Error("replay log down"))
        : actorState.replayLog.append(chatId, event),
    openTail: (tailOptions) => actorState.replayLog.openTail(tailOptions),
    readAfter: (chatId, after) => actorState.replayLog.readAfter(chatId, after),
    delete: (chatId) => actorState.replayLog.delete(chatId),
  };
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const now = () => new Date(clock);
  const provider = new ClockedProvider(steps, (milliseconds) => {
    clock += milliseconds;
  });
  const model = route("model-a", provider);
  const cancellations = new GenerationCancellations();
  const store = new StoreClient(bus, { timeoutMs: 1_000, newId, now });
  const storage = await LocalDiskStorage.open({ directory: mkdtempSync(join(tmpdir(), "worker-")) });
  const logger = pino({ level: "silent" });
  const worker = new GenerationWorker(
    {
      commands: new ChatCommandClient(bus, { timeoutMs: 1_000, newId, now }),
      events: new ChatEventPublisher(bus, replayLog, { newId, now }),
      store,
      attachments: new AttachmentContextResolver({
        store,
        storage,
        limits: { maxImages: 4, maxChars: 1_000, maxPdfPages: 2 },
        logger,
      }),
      caller: new ModelCaller({
        registry: { failoverChain: (modelId) => (modelId === "model-a" ? [model] : []) },
        estimator: new TokenEstimator(),
        policy: {
          maxRetries: 0,
          retryBaseMs: 1,
          retryMaxDelayMs: 1,
          firstTokenTimeoutMs: 5_000,
          idleTimeoutMs: 5_000,
        },
        clock: fakeClock(),
      }),
      usage: new UsageLedger(bus, { newId, now }),
      cancellations,
      logger,
    },
    // One chunk per delta: the order of chunks and checkpoints is then the script's.
    { flushMs: 1_000, flushBytes: 1, checkpointMs, now },
  );
  const sent = () => [...journal];
  return { bus, worker, cancellations, sent, logged };
}

const request: GenerationRequest = {
  id: "request-1",
  type: "generation_requested",
  v: 1,
  chatId: "chat-1",
  occurredAt: "2026-11-22T09:59:59.000Z",
  traceparent: "00-trace",
  userId: "user-1",
  assistantMessageId: "answer-1",
  model: "model-a",
  messages: [{ role: "user", content: "Show me code" }],
};

function finishedOf(bus: RecordingBus): GenerationFinishedCommand | undefined {
  return bus.recordsOf("command")[0]?.message as GenerationFinishedCommand | undefined;
}

describe("GenerationWorker", () => {
  test("start, chunks with checkpoints about every interval, usage, then generation_finished with the whole answer", async () => {
    const answer = "Here:\n```ts\nconst a = 1;\n```";
    const { bus, worker, sent } = await setUp([
      text("Here:\n"),
      { advanceMs: checkpointMs },
      text("```ts\n"),
      { advanceMs: checkpointMs / 2 },
      text("const a = 1;\n```"),
      finish,
    ]);

    await worker.handle(request, { deliveryCount: 1 });

    expect(sent()).toEqual([
      "message_start",
      'checkpoint ""',
      'chunk 0 "Here:\n"',
      'checkpoint "Here:\n```ts\n"',
      'chunk 1 "```ts\n"',
      'chunk 2 "const a = 1;\n```"',
      "usage_recorded",
      "generation_finished",
    ]);
    expect(bus.recordsOf("event").find((record) => record.message.type === "usage_recorded")?.durable).toBe(
      true,
    );
    expect(finishedOf(bus)).toMatchObject({
      chatId: "chat-1",
      userId: "user-1",
      assistantMessageId: "answer-1",
      finishReason: "stop",
      fullContent: answer,
      codeBlocks: [{ language: "ts", code: "const a = 1;" }],
      usage: { inputTokens: 3, outputTokens: 2 },
      model: "model-a",
      answerCreatedAt: request.occurredAt,
    });
  });

  test("a checkpoint names the answer, its model and its createdAt, and the time of the text", async () => {
    const { bus, worker } = await setUp([text("so far"), finish]);

    await worker.handle(request, { deliveryCount: 1 });

    const [first] = bus.recordsOf("request");
    expect(first?.service).toBe("store");
    expect(first?.message).toMatchObject({
      type: "store.save_answer_draft",
      chatId: "chat-1",
      draft: {
        messageId: "answer-1",
        chatId: "chat-1",
        userId: "user-1",
        content: "",
        model: "model-a",
        createdAt: request.occurredAt,
        updatedAt: new Date(startedAt).toISOString(),
      },
    });
  });

  test("a redelivery announces message_restart with its attempt before starting again", async () => {
    const { bus, worker, sent, logged } = await setUp([text("again"), finish]);

    await worker.handle(request, { deliveryCount: 3 });

    // The empty draft first: the store's answer says whether the answer may be written again.
    expect(sent().slice(0, 3)).toEqual(['checkpoint ""', "message_restart", "message_start"]);
    expect(logged[0]).toMatchObject({
      type: "message_restart",
      data: { chatId: "chat-1", messageId: "answer-1", attempt: 3 },
    });
    expect(finishedOf(bus)?.fullContent).toBe("again");
  });

  test("a checkpoint the store refuses or fails does not stop the answer", async () => {
    for (const saveAnswerDraft of [
      () => ({ saved: false }),
      () => {
        throw new Error("store down");
      },
    ]) {
      const { bus, worker } = await setUp(
        [text("still "), { advanceMs: checkpointMs }, text("answered"), finish],
        {
          saveAnswerDraft,
        },
      );

      await worker.handle(request, { deliveryCount: 1 });

      expect(bus.recordsOf("request")).toHaveLength(2);
      expect(finishedOf(bus)).toMatchObject({ finishReason: "stop", fullContent: "still answered" });
    }
  });

  test("a redelivery whose answer the store already ended (refused draft) is acked without a word", async () => {
    const { bus, worker, sent } = await setUp([text("again"), finish], {
      saveAnswerDraft: () => ({ saved: false }),
    });

    await worker.handle(request, { deliveryCount: 2 });

    expect(sent()).toEqual(['checkpoint ""']);
    expect(finishedOf(bus)).toBeUndefined();
  });

  test("a delivery whose channel closes mid-answer stops writing and reports nothing: the broker has it again", async () => {
    const channelOpen = new AbortController();
    const { bus, worker, sent } = await setUp([
      text("first "),
      { act: () => channelOpen.abort(new Error("channel closed")) },
      text("second "),
      text("third"),
      finish,
    ]);

    await worker.handle(request, { deliveryCount: 1, signal: channelOpen.signal });

    const chunks = sent().filter((line) => line.startsWith("chunk"));
    expect(chunks).toEqual(['chunk 0 "first "']);
    expect(finishedOf(bus)).toBeUndefined();
    expect(bus.recordsOf("event").some((record) => record.message.type === "usage_recorded")).toBe(false);
  });

  test("a redelivery that cannot ask the store fails, so the request comes back later", async () => {
    const { bus, worker, logged } = await setUp([text("again"), finish], {
      saveAnswerDraft: () => {
        throw new Error("store down");
      },
    });

    await expect(worker.handle(request, { deliveryCount: 2 })).rejects.toThrow();
    expect(logged).toEqual([]);
    expect(bus.recordsOf("event")).toEqual([]);
  });

  test("an error after text keeps the text: an error event, then usage and generation_finished with it", async () => {
    const { bus, worker, sent, logged } = await setUp([
      text("half an "),
      new ProviderError("scripted", "connection", "The model's connection dropped"),
    ]);

    await worker.handle(request, { deliveryCount: 1 });

    expect(sent()).toEqual([
      "message_start",
      'checkpoint ""',
      'chunk 0 "half an "',
      "error",
      "usage_recorded",
      "generation_finished",
    ]);
    const error = logged.find((event) => event.type === "error");
    expect(error).toMatchObject({
      data: {
        chatId: "chat-1",
        messageId: "answer-1",
        code: "PROVIDER_ERROR",
        error: "The model's connection dropped",
        retryable: true,
      },
    });
    expect(finishedOf(bus)).toMatchObject({ finishReason: "error", fullContent: "half an " });
  });

  test("a generation cancelled before it started finishes as cancelled, with no text and no error", async () => {
    const { bus, worker, cancellations, sent } = await setUp([text("never"), finish]);
    cancellations.cancel("answer-1");

    await worker.handle(request, { deliveryCount: 1 });

    expect(sent()).toEqual(["message_start", 'checkpoint ""', "usage_recorded", "generation_finished"]);
    expect(finishedOf(bus)).toMatchObject({ finishReason: "cancelled", fullContent: "" });
  });

  test("when a chunk cannot be published the request fails, to be redelivered, and nothing is reported finished", async () => {
    const { bus, worker } = await setUp([text("lost"), finish], {
      failAppend: (event) => event.type === "message_chunk",
    });

    await expect(worker.handle(request, { deliveryCount: 1 })).rejects.toThrow("replay log down");
    expect(bus.recordsOf("command")).toEqual([]);
  });
});
