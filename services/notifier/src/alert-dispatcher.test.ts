import { describe, expect, test } from "bun:test";
import {
  type DeliverySettlement,
  type NotificationDelivery,
  newEnvelope,
  type StaffAlert,
  type StaffRecipient,
} from "@chat/contracts";
import pino from "pino";
import { AlertDispatcher } from "./alert-dispatcher.ts";
import type { DeliveryOutbox } from "./delivery-outbox.ts";

const logger = pino({ level: "silent" });
const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** An outbox in memory, enough to see what the dispatcher queues. */
class MemoryOutbox implements DeliveryOutbox {
  readonly queued: NotificationDelivery[] = [];
  constructor(private readonly recipients: StaffRecipient[]) {}
  async listRecipients() {
    return this.recipients;
  }
  async enqueue(deliveries: NotificationDelivery[]) {
    this.queued.push(...deliveries);
  }
  async claim(): Promise<NotificationDelivery[]> {
    return [];
  }
  async settle(_deliveryId: string, _settlement: DeliverySettlement) {}
}

function recipient(id: string, fields: Partial<StaffRecipient>): StaffRecipient {
  return {
    id,
    name: id,
    enabled: true,
    kinds: [],
    webhookUrls: [],
    updatedAt: "2026-12-06T05:00:00.000Z",
    ...fields,
  };
}

function alert(id: string, kind: StaffAlert["kind"], summary: string): StaffAlert {
  return {
    ...newEnvelope("staff_alert", "", { id, traceparent, now: new Date("2026-12-06T05:00:00.000Z") }),
    kind,
    summary,
    source: "test",
  };
}

describe("AlertDispatcher", () => {
  test("queues one delivery per address of each enabled recipient who wants the kind", async () => {
    const outbox = new MemoryOutbox([
      recipient("all", {
        email: "all@example.com",
        phone: "+15005550006",
        webhookUrls: ["https://a.example.com/hook", "https://b.example.com/hook"],
        userId: "staff1",
      }),
      recipient("errors-only", { kinds: ["critical_error"], email: "errors@example.com" }),
      recipient("off", { enabled: false, email: "off@example.com" }),
    ]);
    let now = Date.parse("2026-12-06T05:00:00.000Z");
    const dispatcher = new AlertDispatcher(
      { outbox, logger },
      { stormWindowMs: 60_000, newId: () => "summary1", now: () => new Date(now) },
    );

    expect(await dispatcher.dispatch(alert("a1", "takeover", "An agent took over"))).toBe(5);
    expect(outbox.queued.map((delivery) => [delivery.id, delivery.address])).toEqual([
      ["a1.all.email.0", "all@example.com"],
      ["a1.all.sms.0", "+15005550006"],
      ["a1.all.webhook.0", "https://a.example.com/hook"],
      ["a1.all.webhook.1", "https://b.example.com/hook"],
      ["a1.all.in_app.0", "staff1"],
    ]);
    expect(outbox.queued[0]).toMatchObject({
      status: "pending",
      attempts: 0,
      subject: "Takeover: An agent took over",
      nextAttemptAt: "2026-12-06T05:00:00.000Z",
    });

    outbox.queued.length = 0;
    expect(await dispatcher.dispatch(alert("a2", "critical_error", "openai failing"))).toBe(6);
    expect(await dispatcher.dispatch(alert("a3", "critical_error", "openai still failing"))).toBe(0);
    expect(dispatcher.held()).toBe(5);

    now += 60_000;
    outbox.queued.length = 0;
    expect(await dispatcher.flushStorms()).toBe(6);
    expect(outbox.queued.map((delivery) => delivery.id)).toContain("summary1.errors-only.email.0");
    expect(outbox.queued[0]?.text).toBe("1 more critical error in the last 1 minute: openai still failing");
  });
});
