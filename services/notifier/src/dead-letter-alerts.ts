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

/** The store requests the notifier itself makes: while the store is down they expire and dead-letter. */
const ownStoreRequests = new Set([
  "store.list_staff_recipients",
  "store.enqueue_notification_deliveries",
  "store.claim_notification_deliveries",
  "store.settle_notification_delivery",
]);

/**
 * Whether alerting about this dead letter could feed itself: an alert about a dead letter, or a
 * request the notifier makes to deliver alerts. Both are dead-lettered when the store is down;
 * alerting about them would make more of them for as long as it stays down. They are only logged
 * (their dead-letter queues keep them).
 */
export function feedsItself(letter: DeadLetter): boolean {
  const type = (letter.message as { type?: unknown } | null)?.type;
  return isDeadLetterAlert(letter) || (typeof type === "string" && ownStoreRequests.has(type));
}

/** Whether a dead letter is itself an alert about a dead letter. */
export function isDeadLetterAlert(letter: DeadLetter): boolean {
  const message = letter.message as { type?: unknown; source?: unknown } | null;
  return (
    typeof message === "object" &&
    message !== null &&
    message.type === "staff_alert" &&
    message.source === "bus"
  );
}
