// Staff alerts end to end: the notifier and the store over a real bus (in-process, and RabbitMQ
// when it is reachable), the store on SQLite, and real receivers on loopback: an SMTP server, a
// server speaking Twilio's Messages API, a webhook receiver that verifies signatures.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, InProcessBus, RabbitBus, StoreClient } from "@chat/bus";
import {
  ChatEventMessage,
  newEnvelope,
  type StaffAlert,
  type StaffRecipient,
  staffAlertKey,
  userEventKey,
} from "@chat/contracts";
import { NotifierConfig, startNotifier } from "@chat/notifier";
import { loadConfig, newId, type RunningService } from "@chat/runtime";
import { openRepository, startStore } from "@chat/store";
import pino from "pino";
import { rabbitAvailable, rabbitUrl, testNamespace } from "../support/infrastructure.ts";
import {
  startSmsReceiver,
  startSmtpReceiver,
  startWebhookReceiver,
} from "../support/notification-receivers.ts";

const logger = pino({ level: process.env.NOTIFIER_TEST_LOG ?? "silent" });
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const twilio = { sid: "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", token: "twilio-token", from: "+15005550006" };

type BusUnderTest = {
  bus: Bus & { deadLetters(source: string): Promise<unknown[]> };
  cleanup(): Promise<void>;
};

const buses: [string, () => Promise<BusUnderTest>][] = [
  [
    "in-process bus",
    async () => {
      const bus = new InProcessBus({ partitions: 2, deliveryLimit: 2, logger });
      return { bus, cleanup: () => bus.close() };
    },
  ],
];
if (rabbitAvailable) {
  buses.push([
    "RabbitMQ",
    async () => {
      const bus = new RabbitBus({
        url: rabbitUrl,
        prefix: testNamespace("notify"),
        partitions: 2,
        deliveryLimit: 2,
        logger,
      });
      await bus.connect();
      return {
        bus,
        cleanup: async () => {
          await bus.close();
          await bus.removeTopology();
        },
      };
    },
  ]);
}

function alert(fields: Partial<StaffAlert> & Pick<StaffAlert, "kind" | "summary">): StaffAlert {
  return {
    ...newEnvelope("staff_alert", fields.chatId ?? "", { id: newId(), traceparent, now: new Date() }),
    source: "test",
    ...fields,
  };
}

function recipient(fields: Partial<StaffRecipient>): StaffRecipient {
  return {
    id: "oncall",
    name: "On call",
    enabled: true,
    kinds: [],
    webhookUrls: [],
    updatedAt: new Date().toISOString(),
    ...fields,
  };
}

async function eventually<T>(
  read: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

for (const [busName, makeBus] of buses) {
  describe(`staff alerts over the ${busName}`, () => {
    let underTest: BusUnderTest;
    let bus: BusUnderTest["bus"];
    let database: Awaited<ReturnType<typeof openRepository>>;
    let dataDir: string;
    let store: RunningService;
    let notifier: RunningService | undefined;
    let storeClient: StoreClient;
    let webhook: ReturnType<typeof startWebhookReceiver>;
    const stops: (() => unknown)[] = [];

    function startTheNotifier(environment: Record<string, string> = {}): Promise<RunningService> {
      const config = loadConfig(NotifierConfig, {
        NOTIFY_WEBHOOK_SECRET: secret,
        NOTIFY_SWEEP_MS: "50",
        NOTIFY_RETRY_BASE_MS: "100",
        NOTIFY_RETRY_MAX_DELAY_MS: "200",
        NOTIFY_MAX_ATTEMPTS: "4",
        NOTIFY_SEND_TIMEOUT_MS: "2000",
        NOTIFY_STORM_WINDOW_MS: "60000",
        BUS_REQUEST_TIMEOUT_MS: "5000",
        ...environment,
      });
      return startNotifier({ bus, logger, config });
    }

    async function publish(staffAlert: StaffAlert): Promise<void> {
      await bus.publishEvent(staffAlertKey(staffAlert.kind), staffAlert, { durable: true });
    }

    async function deliveries(status: "pending" | "sent" | "dead") {
      return (
        await storeClient.call("store.list_notification_deliveries", { status, limit: 100 }, traceparent)
      ).items;
    }

    beforeEach(async () => {
      underTest = await makeBus();
      bus = underTest.bus;
      dataDir = mkdtempSync(join(tmpdir(), "staff-alerts-"));
      database = await openRepository({ DATA_DIR: join(dataDir, "data"), MONGODB_DATABASE: "chat" });
      store = await startStore({ bus, repository: database, logger });
      storeClient = new StoreClient(bus, { timeoutMs: 5_000, newId });
      webhook = startWebhookReceiver(secret);
      stops.push(webhook.stop);
    });

    afterEach(async () => {
      await notifier?.stop();
      notifier = undefined;
      await store.stop();
      await underTest.cleanup();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
      for (const stop of stops.splice(0)) await stop();
    });

    test("an alert reaches its recipient by e-mail, SMS, webhook and in the app, with what happened", async () => {
      const smtp = await startSmtpReceiver();
      const sms = startSmsReceiver(twilio.sid, twilio.token);
      stops.push(smtp.stop, sms.stop);
      notifier = await startTheNotifier({
        NOTIFY_SMTP_URL: smtp.url,
        NOTIFY_EMAIL_FROM: "Chat alerts <alerts@example.com>",
        NOTIFY_TWILIO_ACCOUNT_SID: twilio.sid,
        NOTIFY_TWILIO_AUTH_TOKEN: twilio.token,
        NOTIFY_TWILIO_FROM: twilio.from,
        NOTIFY_TWILIO_BASE_URL: sms.baseUrl,
      });
      await storeClient.call(
        "store.put_staff_recipient",
        {
          recipient: recipient({
            email: "oncall@example.com",
            phone: "+4915112345678",
            webhookUrls: [webhook.url],
            userId: "staff1",
            kinds: ["help_request"],
          }),
        },
        traceparent,
      );
      const inApp: ChatEventMessage[] = [];
      const stream = await bus.openEventStream<ChatEventMessage>(
        ChatEventMessage,
        (event) => void inApp.push(event),
      );
      await stream.bind(userEventKey("staff1", "*"));
      stops.push(() => stream.close());

      // Not a kind the recipient wants: nothing goes out for it.
      await publish(alert({ kind: "system_alert", summary: "Disk almost full" }));
      const help = alert({
        kind: "help_request",
        summary: "A user asks for a person",
        userId: "user42",
        chatId: "chat7",
        error: {
          code: "MODEL_REFUSED",
          message: "The model could not help",
          details: "three refusals in a row",
        },
      });
      await publish(help);

      const mail = await eventually(() => smtp.received[0], "the mail");
      expect(mail.subject).toBe("Help request: A user asks for a person");
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : "").toBe("oncall@example.com");
      expect(mail.text).toContain("User: user42");
      expect(mail.text).toContain("Chat: chat7");
      expect(mail.text).toContain("Error: MODEL_REFUSED: The model could not help");
      expect(mail.text).toContain(`Time: ${help.occurredAt}`);

      const message = await eventually(() => sms.received[0], "the SMS");
      expect(message.get("To")).toBe("+4915112345678");
      expect(message.get("From")).toBe(twilio.from);
      expect(message.get("Body")).toStartWith("Help request: A user asks for a person\n");

      const hook = await eventually(() => webhook.received[0], "the webhook");
      expect(hook.signatureValid).toBe(true);
      expect(hook.body).toEqual({
        type: "staff_alert",
        id: help.id,
        kind: "help_request",
        summary: "A user asks for a person",
        source: "test",
        userId: "user42",
        chatId: "chat7",
        error: help.error,
        occurredAt: help.occurredAt,
      });

      const notification = await eventually(
        () => inApp.find((event) => event.type === "notification"),
        "in-app",
      );
      expect(notification).toMatchObject({
        userId: "staff1",
        data: { kind: "help_request", chatId: "chat7", title: "Help request: A user asks for a person" },
      });

      const sent = await eventually(async () => {
        const recorded = await deliveries("sent");
        return recorded.length === 4 ? recorded : undefined;
      }, "four deliveries recorded as sent");
      expect(sent.map((delivery) => delivery.channel).sort()).toEqual(["email", "in_app", "sms", "webhook"]);
      expect(smtp.received).toHaveLength(1);
      expect(webhook.received).toHaveLength(1);
    });

    test("a user's help request and an agent's takeover (durable chat events) alert the staff who want them", async () => {
      notifier = await startTheNotifier();
      await storeClient.call(
        "store.put_staff_recipient",
        { recipient: recipient({ webhookUrls: [webhook.url], kinds: ["help_request", "takeover"] }) },
        traceparent,
      );
      const chatEvent = (event: Pick<ChatEventMessage, "type" | "data">) =>
        ({
          ...newEnvelope(event.type, "chat9", { id: newId(), traceparent, now: new Date() }),
          userId: "user9",
          eventId: "epoch:1-0",
          ...event,
        }) as ChatEventMessage;
      await bus.publishEvent(
        "chat.chat9.help_requested",
        chatEvent({
          type: "help_requested",
          data: { chatId: "chat9", note: "The answer is wrong", requestedAt: new Date().toISOString() },
        }),
        { durable: true },
      );
      await bus.publishEvent(
        "chat.chat9.agent_joined",
        chatEvent({
          type: "agent_joined",
          data: {
            chatId: "chat9",
            agent: { id: "agent1", name: "Grace" },
            expiresAt: new Date().toISOString(),
          },
        }),
        { durable: true },
      );
      const hooks = await eventually(
        () => (webhook.received.length >= 2 ? webhook.received : undefined),
        "two webhooks",
      );
      expect(hooks.every((hook) => hook.signatureValid)).toBe(true);
      expect(
        hooks.map((hook) => hook.body).sort((a, b) => String(a.kind).localeCompare(String(b.kind))),
      ).toEqual([
        expect.objectContaining({
          kind: "help_request",
          userId: "user9",
          chatId: "chat9",
          summary: 'A user asks for a person in chat chat9: "The answer is wrong"',
        }),
        expect.objectContaining({
          kind: "takeover",
          userId: "user9",
          chatId: "chat9",
          summary: "Grace took over chat chat9",
        }),
      ]);
    });

    test("a webhook failing its first deliveries gets retries with the same id, each signed anew, then succeeds", async () => {
      notifier = await startTheNotifier();
      await storeClient.call(
        "store.put_staff_recipient",
        { recipient: recipient({ webhookUrls: [webhook.url] }) },
        traceparent,
      );
      webhook.answerNext(503, 500);

      const failing = alert({ kind: "critical_error", summary: "anthropic failing" });
      await publish(failing);

      await eventually(() => webhook.received.length >= 3, "three attempts");
      expect(webhook.received.map((request) => [request.answered, request.signatureValid])).toEqual([
        [503, true],
        [500, true],
        [204, true],
      ]);
      expect(new Set(webhook.received.map((request) => request.id))).toEqual(
        new Set([`${failing.id}.oncall.webhook.0`]),
      );
      const [sent] = await eventually(async () => {
        const recorded = await deliveries("sent");
        return recorded.length === 1 ? recorded : undefined;
      }, "the delivery recorded as sent");
      expect(sent).toMatchObject({ attempts: 3, status: "sent", channel: "webhook", address: webhook.url });
    });

    test("a webhook that keeps failing is dead-lettered at the attempt limit; a refusal at once; the store lists both", async () => {
      notifier = await startTheNotifier();
      const refusing = startWebhookReceiver(secret);
      stops.push(refusing.stop);
      refusing.answerAlways(410);
      webhook.answerAlways(503);
      await storeClient.call(
        "store.put_staff_recipient",
        { recipient: recipient({ webhookUrls: [webhook.url, refusing.url] }) },
        traceparent,
      );

      await publish(alert({ kind: "critical_error", summary: "queue dead-lettering" }));

      const dead = await eventually(async () => {
        const recorded = await deliveries("dead");
        return recorded.length === 2 ? recorded : undefined;
      }, "two dead letters");
      const byAddress = Object.fromEntries(dead.map((delivery) => [delivery.address, delivery]));
      expect(byAddress[webhook.url]).toMatchObject({
        attempts: 4,
        lastError: expect.stringContaining("HTTP 503 (gave up after 4 attempts)"),
      });
      expect(byAddress[refusing.url]).toMatchObject({
        attempts: 1,
        lastError: expect.stringContaining("HTTP 410"),
      });
      expect(webhook.received).toHaveLength(4);
      expect(refusing.received).toHaveLength(1);
      expect(await deliveries("pending")).toEqual([]);
    });

    test("a pending retry outlives a notifier restart", async () => {
      notifier = await startTheNotifier({ NOTIFY_RETRY_BASE_MS: "1500", NOTIFY_RETRY_MAX_DELAY_MS: "1500" });
      await storeClient.call(
        "store.put_staff_recipient",
        { recipient: recipient({ webhookUrls: [webhook.url] }) },
        traceparent,
      );
      webhook.answerNext(503);

      const failing = alert({ kind: "system_alert", summary: "session not ready" });
      await publish(failing);
      await eventually(() => webhook.received.length === 1, "the first attempt");
      await eventually(async () => (await deliveries("pending"))[0]?.attempts === 1, "the retry recorded");
      await notifier.stop();
      notifier = undefined;

      // Nothing of the delivery lives in the stopped notifier: a new one finds it in the store.
      notifier = await startTheNotifier();
      await eventually(() => webhook.received.length === 2, "the retry after the restart");
      expect(webhook.received.map((request) => [request.id, request.answered])).toEqual([
        [`${failing.id}.oncall.webhook.0`, 503],
        [`${failing.id}.oncall.webhook.0`, 204],
      ]);
      expect(await eventually(async () => (await deliveries("sent"))[0], "sent")).toMatchObject({
        attempts: 2,
      });
    });

    test("an alert storm sends the first alert at once, then one summary of the rest", async () => {
      notifier = await startTheNotifier({ NOTIFY_STORM_WINDOW_MS: "600" });
      await storeClient.call(
        "store.put_staff_recipient",
        { recipient: recipient({ webhookUrls: [webhook.url], kinds: ["critical_error"] }) },
        traceparent,
      );

      for (let index = 0; index < 20; index++) {
        await publish(alert({ kind: "critical_error", summary: `openai failing (${index})` }));
      }
      const first = await eventually(() => webhook.received[0], "the first alert");
      expect(first.body).toMatchObject({ type: "staff_alert", summary: "openai failing (0)" });

      const summary = await eventually(() => webhook.received[1], "the summary", 5_000);
      expect(summary.body).toMatchObject({
        type: "staff_alert_summary",
        kind: "critical_error",
        count: 19,
        samples: ["openai failing (1)", "openai failing (2)", "openai failing (3)"],
      });
      // The receiver answered before the outcome is recorded: wait for the record.
      const sentSummary = await eventually(
        async () => (await deliveries("sent")).find((delivery) => delivery.alertId === summary.body.id),
        "the summary recorded as sent",
      );
      expect(sentSummary.text).toStartWith(
        "19 more critical errors in the last 1 minute: openai failing (1);",
      );
      // The storm is over: a quiet window ends it and nothing more is sent.
      await Bun.sleep(1_500);
      expect(webhook.received).toHaveLength(2);
    });

    test("a malformed alert does not stop the consumer, and its dead letter raises a critical error", async () => {
      notifier = await startTheNotifier();
      await storeClient.call(
        "store.put_staff_recipient",
        { recipient: recipient({ webhookUrls: [webhook.url] }) },
        traceparent,
      );

      const { summary: _summary, ...malformed } = alert({ kind: "system_alert", summary: "missing below" });
      await bus.publishEvent(staffAlertKey("system_alert"), malformed as StaffAlert, { durable: true });
      const valid = alert({ kind: "takeover", summary: "An agent took over chat 7", chatId: "chat7" });
      await publish(valid);

      await eventually(() => webhook.received.length >= 2, "the valid alert and the dead letter's alert");
      const bodies = webhook.received.map((request) => request.body);
      expect(bodies).toContainEqual(expect.objectContaining({ id: valid.id, kind: "takeover" }));
      expect(bodies).toContainEqual(
        expect.objectContaining({
          kind: "critical_error",
          source: "bus",
          summary: "A message was dead-lettered from notifier.alerts: staff_alert",
          error: expect.objectContaining({
            code: "DEAD_LETTERED",
            details: expect.stringContaining(malformed.id),
          }),
        }),
      );
    });

    test("with the store down, an alert is dead-lettered and alerted about once, without circling", async () => {
      notifier = await startTheNotifier({ BUS_REQUEST_TIMEOUT_MS: "200" });
      await store.stop();

      const lost = alert({ kind: "system_alert", summary: "nobody can queue this" });
      await publish(lost);

      const letters: unknown[] = [];
      await eventually(async () => {
        letters.push(...(await bus.deadLetters("notifier.alerts")));
        return letters.length >= 2 ? true : undefined;
      }, "the alert and the alert about it dead-lettered");
      await Bun.sleep(1_500);
      letters.push(...(await bus.deadLetters("notifier.alerts")));
      expect(letters).toEqual([
        expect.objectContaining({ id: lost.id }),
        expect.objectContaining({
          kind: "critical_error",
          source: "bus",
          summary: expect.stringContaining("notifier.alerts"),
        }),
      ]);
      store = await startStore({ bus, repository: database, logger });
    });
  });
}
