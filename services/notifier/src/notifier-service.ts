import { type Bus, StoreClient } from "@chat/bus";
import {
  ChatEventMessage,
  chatEventKey,
  newEnvelope,
  StaffAlert,
  staffAlertKey,
  userEventKey,
} from "@chat/contracts";
import { type Logger, newId, type RunningService } from "@chat/runtime";
import { AlertDispatcher } from "./alert-dispatcher.ts";
import { alertForChatEvent } from "./chat-event-alerts.ts";
import { configuredChannels } from "./configured-channels.ts";
import { deadLetterAlert, feedsItself } from "./dead-letter-alerts.ts";
import { StoreDeliveryOutbox } from "./delivery-outbox.ts";
import { DeliverySweeper } from "./delivery-sweeper.ts";
import type { NotifierConfig } from "./notifier-config.ts";
import { SweepLoop } from "./sweep-loop.ts";

type ChatUpdated = Extract<ChatEventMessage, { type: "chat_updated" }>;

/** What the notifier reads from the configuration (the all-in-one passes its own). */
export type NotifierSettings = Omit<NotifierConfig, "PORT" | "LOG_LEVEL" | "AMQP_URL" | "REDIS_URL">;

/** Deliveries claimed per sweep. */
const sweepBatchSize = 50;

/**
 * Starts the notifier: turns chat events that concern a user into in-app notifications on the
 * user's routing keys, and a help request or a takeover into a staff alert; delivers staff alerts (`staff.alert.*`) to the staff recipients set in the
 * store, by e-mail, SMS, webhook and in the app, through the store's outbox with retries,
 * dead-letters and storm suppression; and raises a critical_error alert for each dead letter of
 * the watched queues.
 */
export async function startNotifier(dependencies: {
  bus: Bus;
  logger: Logger;
  config: NotifierSettings;
  clock?: { now: () => Date; random: () => number };
}): Promise<RunningService> {
  const { bus, logger, config } = dependencies;
  const clock = dependencies.clock ?? { now: () => new Date(), random: Math.random };
  const outbox = new StoreDeliveryOutbox(
    new StoreClient(bus, { timeoutMs: config.BUS_REQUEST_TIMEOUT_MS, newId, now: clock.now }),
  );
  const channels = configuredChannels(config, { bus, now: clock.now });
  logger.info({ channels: channels.map((channel) => channel.name) }, "notification channels");
  const dispatcher = new AlertDispatcher(
    { outbox, logger },
    { stormWindowMs: config.NOTIFY_STORM_WINDOW_MS, newId, now: clock.now },
  );
  const sweeper = new DeliverySweeper(
    { outbox, channels, logger },
    {
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
      baseDelayMs: config.NOTIFY_RETRY_BASE_MS,
      maxDelayMs: config.NOTIFY_RETRY_MAX_DELAY_MS,
      sendTimeoutMs: config.NOTIFY_SEND_TIMEOUT_MS,
      batchSize: sweepBatchSize,
    },
    clock,
  );
  const loop = new SweepLoop(
    async () => {
      await dispatcher.flushStorms();
      // A full batch means more may be due: sweep again at once.
      let claimed = sweepBatchSize;
      while (claimed === sweepBatchSize) claimed = await sweeper.sweep();
    },
    { intervalMs: config.NOTIFY_SWEEP_MS, logger },
  );

  const chatUpdates = await bus.consumeEvents<ChatEventMessage>(
    [
      chatEventKey("*", "chat_updated"),
      chatEventKey("*", "help_requested"),
      chatEventKey("*", "agent_joined"),
    ],
    { name: "notifier", schema: ChatEventMessage },
    async (event) => {
      const alert = alertForChatEvent(event, { newId, now: clock.now });
      if (alert) {
        if ((await dispatcher.dispatch(alert)) > 0) loop.wake();
        return;
      }
      if (event.type !== "chat_updated") return;
      await pushChatUpdate(bus, event);
      logger.debug(
        { chatId: event.chatId, userId: event.userId },
        "chat update pushed to the user's devices",
      );
    },
  );
  const alerts = await bus.consumeEvents<StaffAlert>(
    [staffAlertKey("*")],
    { name: "notifier.alerts", schema: StaffAlert },
    async (alert) => {
      if ((await dispatcher.dispatch(alert)) > 0) loop.wake();
    },
  );
  const deadLetterSources = config.NOTIFY_DEAD_LETTER_SOURCES.split(",").filter(Boolean);
  const deadLetters = await bus.watchDeadLetters(
    deadLetterSources,
    { name: "notifier.dead-letters" },
    async (letter) => {
      if (feedsItself(letter)) {
        logger.error(
          { source: letter.source, message: letter.message },
          "the notifier's own message was dead-lettered",
        );
        return;
      }
      const alert = deadLetterAlert(letter, { newId, now: clock.now });
      await bus.publishEvent(staffAlertKey(alert.kind), alert, { durable: true });
    },
  );
  loop.start();
  return {
    name: "notifier",
    checks: { bus: () => bus.isReady() },
    async stop() {
      await Promise.all([chatUpdates.close(), alerts.close(), deadLetters.close()]);
      await loop.stop();
      for (const channel of channels) channel.close?.();
      const held = dispatcher.held();
      if (held > 0)
        logger.warn({ held }, "stopped with alerts held for a storm summary; their summary is lost");
    },
  };
}

/** The chat's new state to the user's devices, and a notification that it was renamed. */
async function pushChatUpdate(bus: Bus, event: ChatUpdated): Promise<void> {
  await bus.publishEvent(userEventKey(event.userId, "chat_updated"), event);
  const notificationId = newId();
  const notification: ChatEventMessage = {
    ...newEnvelope("notification", event.chatId, {
      id: newId(),
      traceparent: event.traceparent,
      now: new Date(),
    }),
    userId: event.userId,
    eventId: notificationId,
    data: {
      chatId: event.chatId,
      notificationId,
      kind: "chat_renamed",
      title: "Chat renamed",
      body: event.data.chat.title,
    },
  };
  await bus.publishEvent(userEventKey(event.userId, "notification"), notification);
}
