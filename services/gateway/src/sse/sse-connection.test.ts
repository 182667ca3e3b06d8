import { expect, test } from "bun:test";
import { AppError, type LoggedChatEvent } from "@chat/contracts";
import { SseConnection } from "./sse-connection.ts";

function chunk(seq: number, content: string): LoggedChatEvent {
  return {
    type: "message_chunk",
    eventId: `epoch:1-${seq}`,
    data: { chatId: "c", messageId: "m", content, seq },
  };
}

async function readAll(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

test("frames events in the SSE wire format with the retry hint first", async () => {
  const connection = new SseConnection({ heartbeatMs: 60_000, maxBufferedBytes: 1 << 20, retryMs: 2_000 });
  connection.send(chunk(0, "Hello"));
  connection.sendUnlogged("error", { code: "RESUME_EXPIRED" });
  connection.close();
  const text = await readAll(connection.toResponse());
  expect(text).toBe(
    'retry: 2000\n: connected\n\nid: epoch:1-0\nevent: message_chunk\ndata: {"chatId":"c","messageId":"m","content":"Hello","seq":0}\n\n' +
      'event: error\ndata: {"code":"RESUME_EXPIRED"}\n\n',
  );
});

test("a client that stops reading is cut off past the buffer bound, with a retry hint, instead of growing memory", async () => {
  const connection = new SseConnection({ heartbeatMs: 60_000, maxBufferedBytes: 4_096, retryMs: 2_000 });
  let closedBy = 0;
  connection.onClose(() => closedBy++);
  const bigChunk = "x".repeat(512);
  let sent = 0;
  while (!connection.isClosed && sent < 1_000) connection.send(chunk(sent++, bigChunk));
  expect(connection.isClosed).toBe(true);
  expect(sent).toBeLessThan(20);
  expect(closedBy).toBe(1);
  const text = await readAll(connection.toResponse());
  expect(text.endsWith("retry: 1000\n\n")).toBe(true);
  expect(text.length).toBeLessThan(4_096 + 2 * 600);
});

test("heartbeat comments keep an idle stream alive", async () => {
  const connection = new SseConnection({ heartbeatMs: 20, maxBufferedBytes: 1 << 20, retryMs: 2_000 });
  const reader = (connection.toResponse().body as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (text.split(": heartbeat\n\n").length - 1 < 2) {
    text += new TextDecoder().decode((await reader.read()).value);
  }
  connection.close();
  expect(text.startsWith("retry: 2000\n: connected\n\n")).toBe(true);
});

test("a heartbeat after the sign-in ended closes the stream; a sign-in that cannot be checked keeps it", async () => {
  const ended = new SseConnection({ heartbeatMs: 20, maxBufferedBytes: 1 << 20, retryMs: 2_000 });
  const unknown = new SseConnection({ heartbeatMs: 20, maxBufferedBytes: 1 << 20, retryMs: 2_000 });
  let checks = 0;
  ended.closeWhenSignInEnds(async () => {
    throw new AppError("UNAUTHORIZED", "Signed out");
  });
  unknown.closeWhenSignInEnds(async () => {
    checks++;
    throw new AppError("UNAVAILABLE", "The revocation list does not answer");
  });
  await readAll(ended.toResponse());
  while (checks < 2) await Bun.sleep(10);
  expect(ended.isClosed).toBe(true);
  expect(unknown.isClosed).toBe(false);
  unknown.close();
});

test("a client that keeps reading is never cut off, however much it is sent in all", async () => {
  const connection = new SseConnection({ heartbeatMs: 60_000, maxBufferedBytes: 4_096, retryMs: 2_000 });
  const reader = (connection.toResponse().body as ReadableStream<Uint8Array>).getReader();
  let received = 0;
  for (let seq = 0; seq < 100; seq++) {
    connection.send(chunk(seq, "x".repeat(512)));
    received += ((await reader.read()).value as Uint8Array).byteLength;
  }
  expect(connection.isClosed).toBe(false);
  expect(received).toBeGreaterThan(100 * 512);
  connection.close();
});
