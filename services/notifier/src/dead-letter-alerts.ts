import type { DeadLetter } from "@chat/bus";
import { newEnvelope, type StaffAlert } from "@chat/contracts";
import { traceparentFrom } from "@chat/runtime";

const detailsChars = 1_000;

/**
 * A critical_error alert about a message a queue gave up on: which queue, the message's type and
 * chat when it has them, and the start of the message itself.
 *
 * @example
 * await bus.publishEvent(staffAlertKey("critical_error"), deadLetterAlert(letter, { newId, now }), { durable: true });
 */
export function deadLetterAlert(
  letter: DeadLetter,
  context: { newId: () => string; now: () => Date },
): StaffAlert {
  const message = typeof letter.message === "object" && letter.message !== null ? letter.message : {};
  const field = (name: string): string | undefined => {
    const value = (message as Record<string, unknown>)[name];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  };
  const type = field("type") ?? "unreadable message";
  const chatId = field("chatId");
  const userId = field("userId");
  const incoming = field("traceparent");
  const body = typeof letter.message === "string" ? letter.message : JSON.stringify(letter.message);
  return {
    ...newEnvelope("staff_alert", chatId ?? "", {
      id: context.newId(),
      traceparent: traceparentFrom(incoming),
      now: context.now(),
    }),
    kind: "critical_error",
    ...(userId && /^[A-Za-z0-9_-]{1,64}$/.test(userId) ? { userId } : {}),
    summary: `A message was dead-lettered from ${letter.source || "a queue"}: ${type}`,
    source: "bus",
    error: {
      code: "DEAD_LETTERED",
      message: `The ${letter.source || "queue"} consumer gave up on a ${type}`,
      details: body.length > detailsChars ? `${body.slice(0, detailsChars)}…` : body,
    },
  };
}
