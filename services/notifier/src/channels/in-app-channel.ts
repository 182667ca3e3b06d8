import { createHash } from "node:crypto";
import type { Bus } from "@chat/bus";
import { type ChatEventMessage, newEnvelope, userEventKey } from "@chat/contracts";
import { traceparentFrom } from "@chat/runtime";
import type { NotificationChannel, OutgoingNotification } from "../notification-channel.ts";

/**
 * Alerts in the app: a `notification` event on the staff user's routing key, which every open
 * connection of that user receives (the path chat changes take). A user who is not connected
 * misses it; the other channels are the ones that reach people away from the app.
 *
 * @example
 * const inApp = new InAppChannel(bus, { now: () => new Date() });
 * await inApp.send(notification, staffUserId, AbortSignal.timeout(10_000));
 */
export class InAppChannel implements NotificationChannel {
  readonly name = "in_app" as const;

  constructor(
    private readonly bus: Bus,
    private readonly clock: { now: () => Date },
  ) {}

  async send(notification: OutgoingNotification, userId: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    // An id the notification's schema accepts, the same on every retry, so clients can deduplicate.
    const notificationId = createHash("sha256").update(notification.id).digest("base64url").slice(0, 32);
    const event: ChatEventMessage = {
      ...newEnvelope("notification", notification.chatId ?? "", {
        id: notificationId,
        traceparent: traceparentFrom(),
        now: this.clock.now(),
      }),
      userId,
      eventId: notificationId,
      data: {
        ...(notification.chatId ? { chatId: notification.chatId } : {}),
        notificationId,
        kind: notification.kind,
        title: notification.subject,
        body: notification.text,
      },
    };
    await this.bus.publishEvent(userEventKey(userId, "notification"), event);
  }
}
