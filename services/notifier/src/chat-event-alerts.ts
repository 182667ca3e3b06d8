import { type ChatEventMessage, newEnvelope, type StaffAlert } from "@chat/contracts";

const noteChars = 300;

/**
 * The staff alert a chat event raises, if any: a user asking for a person (`help_request`), an
 * agent taking a chat over (`takeover`). The alert names the user and the chat, and keeps the
 * event's trace.
 *
 * @example
 * const alert = alertForChatEvent(event, { newId, now });
 * if (alert) await dispatcher.dispatch(alert);
 */
export function alertForChatEvent(
  event: ChatEventMessage,
  context: { newId: () => string; now: () => Date },
): StaffAlert | null {
  const envelope = () =>
    newEnvelope("staff_alert", event.chatId, {
      id: context.newId(),
      traceparent: event.traceparent,
      now: context.now(),
    });
  switch (event.type) {
    case "help_requested": {
      const note = event.data.note?.trim();
      return {
        ...envelope(),
        kind: "help_request",
        userId: event.userId,
        summary: note
          ? `A user asks for a person in chat ${event.chatId}: "${note.slice(0, noteChars)}"`
          : `A user asks for a person in chat ${event.chatId}`,
        source: "session",
      };
    }
    case "agent_joined":
      return {
        ...envelope(),
        kind: "takeover",
        userId: event.userId,
        summary: `${event.data.agent.name} took over chat ${event.chatId}`,
        source: "session",
      };
    default:
      return null;
  }
}
