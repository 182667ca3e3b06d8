import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { ChatApiClient } from "./support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "./support/embedded-server.ts";
import { OtlpReceiver, type ReceivedSpan, spanNamed, unresolvedParents } from "./support/otlp-receiver.ts";
import { WebSocketReader } from "./support/websocket-reader.ts";

describe("traces of the embedded process over OTLP", () => {
  const receiver = OtlpReceiver.start();
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
  });

  afterAll(async () => {
    await server.stop();
    receiver.stop();
  });

  test("a chat turn sent over the WebSocket is one trace through the in-process bus, under the frame's span", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "TracedSocket");
    const chatId = (await client.request("POST", "/api/chats", {})).body.id as string;
    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const socket = await WebSocketReader.open(`${server.baseUrl.replace(/^http/, "ws")}/ws`, {
      authorization: `Bearer ${client.token}`,
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    socket.send({ type: "chat_message", chatId, content: "Trace me in one process" });
    await socket.waitFor((frame) => frame.type === "message_complete");
    socket.close();

    const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
    const expected = [
      "websocket chat_message",
      "send session",
      "actor send_message",
      "store append_message",
      "generate demo",
      "chat demo",
      "actor generation_finished",
      "store message_complete",
    ];
    await receiver.waitFor((spans) =>
      expected.every((name) => spanNamed(ofTrace(spans), "all-in-one", name) !== undefined),
    );
    await receiver.waitFor((spans) => unresolvedParents(ofTrace(spans), [callerSpanId]).length === 0);
    const trace = ofTrace(receiver.spans);
    const span = (name: string, where?: (candidate: ReceivedSpan) => boolean) =>
      spanNamed(trace, "all-in-one", name, where) as ReceivedSpan;

    const upgrade = span("GET /ws");
    expect(upgrade.parentSpanId).toBe(callerSpanId);
    const frame = span("websocket chat_message");
    expect(frame.parentSpanId).toBe(upgrade.spanId);
    const command = span("send session", (candidate) => candidate.parentSpanId === frame.spanId);
    expect(command.attributes).toMatchObject({
      "messaging.system": "in_process",
      "chat.message.type": "send_message",
    });
    const turn = span("process session", (candidate) => candidate.parentSpanId === command.spanId);
    expect(turn.kind).toBe(5);
    expect(span("actor send_message").parentSpanId).toBe(turn.spanId);
    expect(new Set(trace.map((candidate) => candidate.service))).toEqual(new Set(["all-in-one"]));
  }, 60_000);
});
