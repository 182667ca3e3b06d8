import { expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import { checkConversationLength, checkMessageLength } from "./message-length.ts";

function thrownBy(action: () => void): AppError {
  try {
    action();
  } catch (error) {
    if (AppError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("nothing was thrown");
}

test("a message of up to the limit passes; one character more is VALIDATION_FAILED at /content", () => {
  checkMessageLength("x".repeat(10), 10);
  const error = thrownBy(() => checkMessageLength("x".repeat(11), 10));
  expect(error.httpStatus).toBe(400);
  expect(error.toBody()).toEqual({
    error: {
      code: "VALIDATION_FAILED",
      message: "The message is over 10 characters",
      details: [{ path: "/content", message: "must be at most 10 characters, got 11" }],
    },
  });
});

test("a conversation is held to the limit by its messages together", () => {
  checkConversationLength(["x".repeat(4), "y".repeat(6)], 10);
  const error = thrownBy(() => checkConversationLength(["x".repeat(4), "y".repeat(7)], 10));
  expect(error.code).toBe("VALIDATION_FAILED");
  expect(error.details).toEqual([
    { path: "/messages", message: "must be at most 10 characters together, got 11" },
  ]);
});
