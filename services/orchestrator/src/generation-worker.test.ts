import { describe, expect, test } from "bun:test";
import { ChatCommandClient, StoreClient } from "@chat/bus";
import type { AnswerDraft, GenerationFinishedCommand, GenerationRequest } from "@chat/contracts";
import { ChatEventPublisher, MemoryActorState } from "@chat/state";
import pino from "pino";
import { RecordingBus } from "../../../test/support/recording-bus.ts";
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

function setUp(steps: Step[], options: { saveAnswerDraft?: () => unknown } = {}) {
  let clock = startedAt;
  const bus = new RecordingBus({
    services: {
      store: (message) => {
        if (message.type !== "store.save_answer_draft") throw new Error(`unexpected ${message.type}`);
        return options.saveAnswerDraft ? options.saveAnswerDraft() : { saved: true };
      },
    },
  });
  const actorState = new MemoryActorState({ ttlSeconds: 3_600, replayLogMaxLength: 100 });
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const now = () => new Date(clock);
  const provider = new ClockedProvider(steps, (milliseconds) => {
    clock += milliseconds;
  });
  const model = route("model-a", provider);
  const cancellations = new GenerationCancellations();
  const worker = new GenerationWorker(
    {
      commands: new ChatCommandClient(bus, { timeoutMs: 1_000, newId, now }),
      events: new ChatEventPublisher(bus, actorState.replayLog, { newId, now }),
      store: new StoreClient(bus, { timeoutMs: 1_000, newId, now }),
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
      logger: pino({ level: "silent" }),
    },
    // One chunk per delta: the order of chunks and checkpoints is then the script's.
    { flushMs: 1_000, flushBytes: 1, checkpointMs, now },
  );
  /** What went on the bus, one line each. */
  const sent = () =>
    bus.records.map((record) => {
      if (record.kind === "request") {
        const { draft } = record.message as unknown as { draft: AnswerDraft };
        return `checkpoint "${draft.content}"`;
      }
      if (record.kind === "event") {
        const { data } = record.message as unknown as { data: Record<string, unknown> };
        return record.message.type === "message_chunk"
          ? `chunk ${String(data.seq)} "${String(data.content)}"`
          : record.message.type;
      }
      return record.message.type;
    });
  return { bus, worker, cancellations, sent };
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
    const { bus, worker, sent } = setUp([
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
    const { bus, worker } = setUp([text("so far"), finish]);

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
    const { bus, worker, sent } = setUp([text("again"), finish]);

    await worker.handle(request, { deliveryCount: 3 });

    // The empty draft first: the store's answer says whether the answer may be written again.
    expect(sent().slice(0, 3)).toEqual(['checkpoint ""', "message_restart", "message_start"]);
    expect(bus.recordsOf("event")[0]?.message).toMatchObject({
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
      const { bus, worker } = setUp([text("still "), { advanceMs: checkpointMs }, text("answered"), finish], {
        saveAnswerDraft,
      });

      await worker.handle(request, { deliveryCount: 1 });

      expect(bus.recordsOf("request")).toHaveLength(2);
      expect(finishedOf(bus)).toMatchObject({ finishReason: "stop", fullContent: "still answered" });
    }
  });

  test("a redelivery whose answer the store already ended (refused draft) is acked without a word", async () => {
    const { bus, worker, sent } = setUp([text("again"), finish], {
      saveAnswerDraft: () => ({ saved: false }),
    });

    await worker.handle(request, { deliveryCount: 2 });

    expect(sent()).toEqual(['checkpoint ""']);
    expect(finishedOf(bus)).toBeUndefined();
  });

  test("a delivery whose channel closes mid-answer stops writing and reports nothing: the broker has it again", async () => {
    const channelOpen = new AbortController();
    const { bus, worker, sent } = setUp([
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
    const { bus, worker } = setUp([text("again"), finish], {
      saveAnswerDraft: () => {
        throw new Error("store down");
      },
    });

    await expect(worker.handle(request, { deliveryCount: 2 })).rejects.toThrow();
    expect(bus.recordsOf("event")).toEqual([]);
  });

  test("an error after text keeps the text: an error event, then usage and generation_finished with it", async () => {
    const { bus, worker, sent } = setUp([
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
    const error = bus.recordsOf("event").find((record) => record.message.type === "error");
    expect(error?.message).toMatchObject({
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
    const { bus, worker, cancellations, sent } = setUp([text("never"), finish]);
    cancellations.cancel("answer-1");

    await worker.handle(request, { deliveryCount: 1 });

    expect(sent()).toEqual(["message_start", 'checkpoint ""', "usage_recorded", "generation_finished"]);
    expect(finishedOf(bus)).toMatchObject({ finishReason: "cancelled", fullContent: "" });
  });

  test("when a chunk cannot be published the request fails, to be redelivered, and nothing is reported finished", async () => {
    const { bus, worker } = setUp([text("lost"), finish]);
    bus.beforeRecord = (record) => {
      if (record.message.type === "message_chunk") throw new Error("broker down");
    };

    await expect(worker.handle(request, { deliveryCount: 1 })).rejects.toThrow("broker down");
    expect(bus.recordsOf("command")).toEqual([]);
  });
});
