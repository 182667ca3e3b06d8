import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import amqp from "amqplib";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { ClusterDeployment } from "../support/cluster-deployment.ts";
import { rabbitAvailable, rabbitUrl, redisAvailable } from "../support/infrastructure.ts";
import { OtlpReceiver, type ReceivedSpan, spanNamed, unresolvedParents } from "../support/otlp-receiver.ts";
import type { ServiceProcess } from "../support/service-process.ts";

const producer = 4;
const consumer = 5;

describe.skipIf(!rabbitAvailable || !redisAvailable)("traces of five processes over OTLP", () => {
  const receiver = OtlpReceiver.start();
  const cluster = new ClusterDeployment("traces", 2, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  let gateway: ServiceProcess;

  beforeAll(async () => {
    for (const name of ["store", "session", "orchestrator", "notifier"]) await cluster.start(name);
    gateway = await cluster.start("gateway");
  });

  afterAll(async () => {
    await cluster.remove();
    receiver.stop();
  });

  test("one chat turn is one trace: gateway, bus hops, session, store and model call, linked across processes", async () => {
    const client = await ChatApiClient.signUp(gateway.baseUrl, "Traced");
    const chatId = (await client.request("POST", "/api/chats", {})).body.id as string;
    // A copy of every chat event the broker routes, to see what travels with them.
    const connection = await amqp.connect(rabbitUrl);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(queue, `${cluster.namespace}.chat.events`, `chat.${chatId}.#`);
    const carried: { type: string; headers: Record<string, unknown> }[] = [];
    await channel.consume(queue, (message) => {
      if (message)
        carried.push({ type: String(message.properties.type), headers: message.properties.headers ?? {} });
    });

    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const events = await client.events(`/api/chats/${chatId}/events`);
    const sent = await client.request(
      "POST",
      `/api/chats/${chatId}/messages`,
      { content: "Trace me" },
      { traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(sent.status).toBe(202);
    await events.waitFor((event) => event.event === "message_complete");
    events.close();

    const expected: [string, string][] = [
      ["gateway", "POST /api/chats/:id/messages"],
      ["gateway", "send session"],
      ["session", "process session"],
      ["session", "actor send_message"],
      ["session", "send rpc.store"],
      ["store", "process store"],
      ["store", "store append_message"],
      ["session", "send ai.generate"],
      ["orchestrator", "process orchestrator"],
      ["orchestrator", "generate demo"],
      ["orchestrator", "chat demo"],
      ["orchestrator", "send session"],
      ["session", "actor generation_finished"],
      ["session", "publish chat.events"],
      ["store", "process store.completions"],
      ["store", "store message_complete"],
      ["notifier", "process notifier"],
    ];
    const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
    await receiver.waitFor((spans) =>
      expected.every(([service, name]) => spanNamed(ofTrace(spans), service, name) !== undefined),
    );
    // Parents may be exported after their children: wait until every parent is in.
    await receiver.waitFor((spans) => unresolvedParents(ofTrace(spans), [callerSpanId]).length === 0);
    const trace = ofTrace(receiver.spans);
    const span = (service: string, name: string, where?: (candidate: ReceivedSpan) => boolean) =>
      spanNamed(trace, service, name, where) as ReceivedSpan;

    const server = span("gateway", "POST /api/chats/:id/messages");
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.kind).toBe(2);
    expect(server.attributes).toMatchObject({
      "http.route": "/api/chats/:id/messages",
      "http.response.status_code": 202,
    });

    const command = span("gateway", "send session");
    expect(command.kind).toBe(producer);
    expect(command.parentSpanId).toBe(server.spanId);
    const turn = span(
      "session",
      "process session",
      (candidate) => candidate.attributes["chat.message.type"] === "send_message",
    );
    expect(turn.kind).toBe(consumer);
    expect(turn.parentSpanId).toBe(command.spanId);
    expect(span("session", "actor send_message").parentSpanId).toBe(turn.spanId);

    const answerRequest = (candidate: ReceivedSpan) =>
      candidate.attributes["chat.message.type"] === "generation_requested";
    const dispatch = span("session", "send ai.generate", answerRequest);
    const work = span("orchestrator", "process orchestrator", answerRequest);
    expect(work.parentSpanId).toBe(dispatch.spanId);
    const generation = span(
      "orchestrator",
      "generate demo",
      (candidate) => candidate.parentSpanId === work.spanId,
    );
    expect(generation.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "demo",
      "gen_ai.response.model": "demo",
      "gen_ai.provider.name": "demo",
      "gen_ai.response.finish_reasons": ["stop"],
    });
    expect(generation.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    const modelCall = span(
      "orchestrator",
      "chat demo",
      (candidate) => candidate.parentSpanId === generation.spanId,
    );
    expect(modelCall.kind).toBe(3);
    // One span per generation, none per streamed chunk.
    expect(trace.filter((candidate) => candidate.name.includes("chunk"))).toEqual([]);

    const completion = span("store", "process store.completions");
    const published = trace.find((candidate) => candidate.spanId === completion.parentSpanId);
    expect(published).toMatchObject({ service: "session", name: "publish chat.events", kind: producer });
    expect(span("store", "store message_complete").parentSpanId).toBe(completion.spanId);

    // Every span of the turn is in this one trace: the services' spans under the caller's span.
    expect(new Set(trace.map((candidate) => candidate.service))).toEqual(
      new Set(["gateway", "session", "store", "orchestrator", "notifier"]),
    );
    const complete = carried.find((message) => message.type === "message_complete");
    expect(String(complete?.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await connection.close();
  }, 60_000);

  test("a turn whose caller did not sample its trace is recorded by no process, while the next one is", async () => {
    const client = await ChatApiClient.signUp(gateway.baseUrl, "Unsampled");
    const turn = async (flags: string) => {
      const traceId = randomBytes(16).toString("hex");
      const { chatId, events } = await client.answeredChat(`Sampled? ${flags}`, {
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-${flags}`,
      });
      events.close();
      return { traceId, chatId };
    };
    const unsampled = await turn("00");
    const sampled = await turn("01");
    // The sampled turn ran after the unsampled one: once its store write arrived, so would have theirs.
    await receiver.waitFor((spans) =>
      spans.some((span) => span.traceId === sampled.traceId && span.name === "store message_complete"),
    );
    await Bun.sleep(300);
    expect(receiver.spans.filter((span) => span.traceId === unsampled.traceId)).toEqual([]);
    // Nor in a trace of their own: the turn's spans downstream followed the caller's decision.
    const turnSpans = [
      "process session",
      "actor send_message",
      "store append_message",
      "store message_complete",
    ];
    const ofTheTurn = receiver.spans.filter(
      (span) => span.attributes["chat.id"] === unsampled.chatId && turnSpans.includes(span.name),
    );
    expect(ofTheTurn).toEqual([]);
    expect(
      receiver.spans.some(
        (span) => span.attributes["chat.id"] === sampled.chatId && span.name === "actor send_message",
      ),
    ).toBe(true);
  }, 60_000);

  test("a malformed traceparent header never breaks a consumer: the message is handled in a trace of its own", async () => {
    const connection = await amqp.connect(rabbitUrl);
    const channel = await connection.createConfirmChannel();
    const replies = await channel.assertQueue("", { exclusive: true });
    const answers: unknown[] = [];
    await channel.consume(
      replies.queue,
      (message) => {
        if (message) answers.push(JSON.parse(message.content.toString("utf8")));
      },
      { noAck: true },
    );
    const ids = ["malformed-1", "malformed-2", "malformed-3"];
    const headers = [
      { traceparent: "00-not-a-trace-01", tracestate: "=,,=" },
      { traceparent: 42, tracestate: Buffer.from("bytes") },
      { traceparent: `00-${"0".repeat(32)}-${"0".repeat(16)}-01` },
    ];
    for (const [index, id] of ids.entries()) {
      const request = {
        id,
        type: "store.find_user_by_id",
        v: 1,
        chatId: "",
        occurredAt: new Date().toISOString(),
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        userId: "nobody",
      };
      channel.sendToQueue(`${cluster.namespace}.requests.store`, Buffer.from(JSON.stringify(request)), {
        contentType: "application/json",
        replyTo: replies.queue,
        correlationId: id,
        headers: headers[index],
      });
    }
    await channel.waitForConfirms();
    const handled = await receiver.waitFor((spans) =>
      ids.every((id) =>
        spans.some((span) => span.name === "process store" && span.attributes["messaging.message.id"] === id),
      ),
    );
    for (const id of ids) {
      const span = handled.find(
        (candidate) => candidate.attributes["messaging.message.id"] === id,
      ) as ReceivedSpan;
      expect(span).toMatchObject({ service: "store", parentSpanId: "", statusCode: 0 });
      expect(span.attributes["chat.bus.settlement"]).toBe("ack");
    }
    for (let attempt = 0; answers.length < ids.length && attempt < 50; attempt++) await Bun.sleep(100);
    expect(answers).toEqual(ids.map(() => ({ ok: true, value: null })));
    await connection.close();
  }, 60_000);
});
