import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InProcessBus } from "@chat/bus";
import {
  CompletionRequest,
  type CompletionStreamMessage,
  completionEventKey,
  GenerationCancelSignal,
  generationCancelKey,
  newEnvelope,
} from "@chat/contracts";
import { createLogger, newId } from "@chat/runtime";
import { CompletionRelay } from "./completion-relay.ts";

const logger = createLogger("completion-relay-test", "silent");
const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function completionRequest(completionId = newId()): CompletionRequest {
  return {
    ...newEnvelope("completion_requested", "", { id: newId(), traceparent, now: new Date() }),
    userId: "user-1",
    completionId,
    model: "demo",
    messages: [{ role: "user", content: "Hello" }],
  };
}

type StreamFields = Record<string, unknown> & { type: CompletionStreamMessage["type"] };

describe("CompletionRelay", () => {
  let bus: InProcessBus;
  let relay: CompletionRelay;
  /** What the fake orchestrator received, in order. */
  let requests: CompletionRequest[];
  let cancels: GenerationCancelSignal[];
  let cancelKeys: string[];
  /** What the fake orchestrator does with a request, besides recording it. */
  let answer: (request: CompletionRequest) => Promise<unknown>;

  /** Publishes a stream event of a completion, as the orchestrator does. */
  const emit = (request: CompletionRequest, fields: StreamFields) => {
    const message = {
      ...newEnvelope(fields.type, "", { id: newId(), traceparent, now: new Date() }),
      userId: request.userId,
      completionId: request.completionId,
      ...fields,
    };
    return bus.publishEvent(completionEventKey(request.completionId, fields.type), message);
  };
  const chunk = (request: CompletionRequest, seq: number, content: string) =>
    emit(request, { type: "completion_chunk", seq, content });
  const finished = (request: CompletionRequest, content: string) =>
    emit(request, {
      type: "completion_finished",
      content,
      finishReason: "stop",
      model: "demo",
      usage: { inputTokens: 1, outputTokens: 2 },
    });

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
    relay = new CompletionRelay(bus, logger, { newId });
    requests = [];
    cancels = [];
    cancelKeys = [];
    answer = async () => {};
    await bus.consumeWork<CompletionRequest>(
      "ai.generate",
      { name: "orchestrator", schema: CompletionRequest, prefetch: 8 },
      async (request) => {
        requests.push(request);
        await answer(request);
      },
    );
    const cancelStream = await bus.openEventStream<GenerationCancelSignal>(
      GenerationCancelSignal,
      (signal, routingKey) => {
        cancels.push(signal);
        cancelKeys.push(routingKey);
      },
    );
    await cancelStream.bind(generationCancelKey("*"));
  });
  afterEach(async () => {
    await relay.close();
    await bus.close();
  });

  async function enqueued(count: number): Promise<void> {
    for (let attempt = 0; requests.length < count && attempt < 100; attempt++) await Bun.sleep(5);
    expect(requests).toHaveLength(count);
  }

  test("enqueues the request and routes each completion's events to its own run, in order", async () => {
    const first = completionRequest();
    const second = completionRequest();
    const runs = [await relay.start(first), await relay.start(second)];
    await enqueued(2);
    expect(requests.map((request) => request.completionId)).toEqual([
      first.completionId,
      second.completionId,
    ]);

    await chunk(second, 0, "B");
    await chunk(first, 0, "A1");
    await chunk(first, 1, "A2");
    await finished(first, "A1A2");
    await finished(second, "B");

    const firstEvents = [];
    for (let index = 0; index < 3; index++) firstEvents.push(await runs[0]?.next(1_000));
    expect(firstEvents.map((event) => event?.type)).toEqual([
      "completion_chunk",
      "completion_chunk",
      "completion_finished",
    ]);
    expect((await runs[1]?.next(1_000))?.type).toBe("completion_chunk");
    expect((await runs[1]?.next(1_000))?.type).toBe("completion_finished");
    await Promise.all(runs.map((run) => run?.end({ cancel: true })));
    await Bun.sleep(20);
    expect(cancels).toEqual([]);
  });

  test("listens before it enqueues: events sent the moment the request is taken arrive", async () => {
    answer = async (request) => {
      await chunk(request, 0, "at once");
      await finished(request, "at once");
    };
    const run = await relay.start(completionRequest());
    expect(await run.next(1_000)).toMatchObject({ type: "completion_chunk", content: "at once" });
    expect(await run.next(1_000)).toMatchObject({ type: "completion_finished", content: "at once" });
    await run.end();
  });

  test("drops chunks it already relayed, as a restarted stream repeats them", async () => {
    const request = completionRequest();
    const run = await relay.start(request);
    await chunk(request, 0, "a");
    await chunk(request, 1, "b");
    await chunk(request, 0, "a");
    await chunk(request, 1, "b");
    await chunk(request, 2, "c");
    const contents = [];
    for (let index = 0; index < 3; index++) {
      const event = await run.next(1_000);
      if (event.type === "completion_chunk") contents.push(event.content);
    }
    expect(contents).toEqual(["a", "b", "c"]);
    await run.end();
  });

  test("no event in time is a TIMEOUT; ending the run then cancels the generation upstream", async () => {
    const request = completionRequest();
    const run = await relay.start(request);
    const error = await run.next(30).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "TIMEOUT", retryable: true });

    await run.end({ cancel: true });
    for (let attempt = 0; cancels.length === 0 && attempt < 100; attempt++) await Bun.sleep(5);
    expect(cancels).toEqual([
      expect.objectContaining({
        type: "generation_cancel",
        chatId: "",
        userId: "user-1",
        assistantMessageId: request.completionId,
        traceparent,
      }),
    ]);
    expect(cancelKeys).toEqual([generationCancelKey(request.completionId)]);
  });

  test("after the run ends, its events are no longer received", async () => {
    const request = completionRequest();
    const run = await relay.start(request);
    await run.end();
    await chunk(request, 0, "late");
    const error = await run.next(50).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "UNAVAILABLE" });
  });

  test("a run ended while waiting stops waiting", async () => {
    const run = await relay.start(completionRequest());
    const waiting = run.next(5_000).catch((caught: unknown) => caught);
    await run.end({ cancel: true });
    expect(await waiting).toMatchObject({ code: "UNAVAILABLE" });
  });

  test("close ends the running completions with a retryable UNAVAILABLE and cancels them", async () => {
    const request = completionRequest();
    const run = await relay.start(request);
    const waiting = run.next(5_000).catch((caught: unknown) => caught);
    await relay.close();
    expect(await waiting).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    for (let attempt = 0; cancels.length === 0 && attempt < 100; attempt++) await Bun.sleep(5);
    expect(cancels.map((signal) => signal.assistantMessageId)).toEqual([request.completionId]);
    const refused = await relay.start(completionRequest()).catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: "UNAVAILABLE" });
  });
});
