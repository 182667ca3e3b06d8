import { AppError } from "@chat/contracts";

/**
 * Refuses a message longer than the deployment allows (MAX_MESSAGE_CHARS, at most the schema's
 * hard 32 000) with 400 VALIDATION_FAILED, naming the field as the schema check would.
 *
 * @example
 * checkMessageLength(body.content, settings.MAX_MESSAGE_CHARS);
 */
export function checkMessageLength(content: string, maxChars: number, path = "/content"): void {
  if (content.length <= maxChars) return;
  throw new AppError("VALIDATION_FAILED", `The message is over ${maxChars} characters`, {
    retryable: false,
    details: [{ path, message: `must be at most ${maxChars} characters, got ${content.length}` }],
  });
}

/**
 * The OpenAI-compatible API sends the whole conversation each time: its messages together are
 * held to the same bound.
 */
export function checkConversationLength(contents: string[], maxChars: number): void {
  const total = contents.reduce((sum, content) => sum + content.length, 0);
  if (total <= maxChars) return;
  throw new AppError("VALIDATION_FAILED", `The messages are over ${maxChars} characters together`, {
    retryable: false,
    details: [
      { path: "/messages", message: `must be at most ${maxChars} characters together, got ${total}` },
    ],
  });
}
