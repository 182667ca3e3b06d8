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
  for (const frame of frames) expect(readClientFrame(frame, maxFrameBytes)).toEqual({ ok: true, frame });
});

test("refuses what is not a frame, naming the problem and echoing a usable requestId", () => {
  const codeOf = (message: unknown) => {
    const reading = readClientFrame(message, maxFrameBytes);
    return reading.ok ? "ok" : reading.error.code;
  };
  expect(codeOf("not json")).toBe("MALFORMED_JSON");
  expect(codeOf(new Uint8Array([1, 2, 3]))).toBe("MALFORMED_JSON");
  expect(codeOf("x".repeat(maxFrameBytes + 1))).toBe("PAYLOAD_TOO_LARGE");
  expect(codeOf({ type: "ping", padding: "x".repeat(maxFrameBytes) })).toBe("PAYLOAD_TOO_LARGE");
  expect(codeOf(42)).toBe("VALIDATION_FAILED");
  expect(codeOf(null)).toBe("VALIDATION_FAILED");
  expect(codeOf([{ type: "ping" }])).toBe("VALIDATION_FAILED");
  expect(codeOf({ type: "chat_message", chatId: "bad id!", content: "Hi" })).toBe("VALIDATION_FAILED");

  const unknown = readClientFrame({ type: "dance", requestId: "r-1" }, maxFrameBytes);
  expect(unknown).toMatchObject({
    ok: false,
    error: { type: "error", eventId: null, code: "VALIDATION_FAILED", retryable: false, requestId: "r-1" },
  });
  const missing = readClientFrame({ type: "subscribe", requestId: 7 }, maxFrameBytes);
  expect(missing.ok).toBe(false);
  if (!missing.ok) {
    expect(missing.error.requestId).toBeUndefined();
    expect(missing.error.details?.map((detail) => detail.path)).toContain("/chatId");
  }
});
