import { expect, test } from "bun:test";
import type { ClientFrame } from "@chat/contracts";
import { readClientFrame } from "./read-client-frame.ts";

const maxFrameBytes = 1024;

test("accepts each client frame type", () => {
  const frames: ClientFrame[] = [
    { type: "ping" },
    { type: "subscribe", chatId: "chat-1", resumeFrom: "epoch:1-0", requestId: "r" },
    { type: "unsubscribe", chatId: "chat-1" },
    { type: "cancel", chatId: "chat-1" },
    { type: "chat_message", chatId: "chat-1", content: "Hi", clientMessageId: "c-1" },
  ];
  for (const frame of frames)
    expect(readClientFrame(JSON.stringify(frame), maxFrameBytes)).toEqual({ ok: true, frame });
});

test("refuses what is not a frame, naming the problem and echoing a usable requestId", () => {
  const codeOf = (message: string | Uint8Array) => {
    const reading = readClientFrame(message, maxFrameBytes);
    return reading.ok ? "ok" : reading.error.code;
  };
  expect(codeOf("not json")).toBe("MALFORMED_JSON");
  expect(codeOf(new Uint8Array([1, 2, 3]))).toBe("MALFORMED_JSON");
  expect(codeOf("x".repeat(maxFrameBytes + 1))).toBe("PAYLOAD_TOO_LARGE");
  expect(codeOf(new Uint8Array(maxFrameBytes + 1))).toBe("PAYLOAD_TOO_LARGE");
  expect(codeOf("42")).toBe("VALIDATION_FAILED");
  expect(codeOf("null")).toBe("VALIDATION_FAILED");
  expect(codeOf('"ping"')).toBe("VALIDATION_FAILED");
  expect(codeOf('[{"type":"ping"}]')).toBe("VALIDATION_FAILED");
  expect(codeOf('{"type":"chat_message","chatId":"bad id!","content":"Hi"}')).toBe("VALIDATION_FAILED");

  const big = readClientFrame(
    JSON.stringify({ type: "ping", requestId: "r-big", padding: "x".repeat(maxFrameBytes) }),
    maxFrameBytes,
  );
  expect(big).toMatchObject({ ok: false, error: { code: "PAYLOAD_TOO_LARGE", requestId: "r-big" } });
  const unknown = readClientFrame('{"type":"dance","requestId":"r-1"}', maxFrameBytes);
  expect(unknown).toMatchObject({
    ok: false,
    error: { type: "error", eventId: null, code: "VALIDATION_FAILED", retryable: false, requestId: "r-1" },
  });
  const missing = readClientFrame('{"type":"subscribe","requestId":7}', maxFrameBytes);
  expect(missing.ok).toBe(false);
  if (!missing.ok) {
    expect(missing.error.requestId).toBeUndefined();
    expect(missing.error.details?.map((detail) => detail.path)).toContain("/chatId");
  }
});

test("refuses a frame nested deeper than 64 levels before parsing it, however deep", () => {
  const nested = (depth: number) =>
    `{"type":"ping","requestId":"r-deep","a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  for (const depth of [64, 100_000]) {
    const reading = readClientFrame(nested(depth), 1024 * 1024);
    expect(reading).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", retryable: false } });
    if (!reading.ok) expect(reading.error.requestId).toBeUndefined();
  }
  const atLimit = readClientFrame(nested(63), maxFrameBytes);
  expect(atLimit).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", requestId: "r-deep" } });
});
