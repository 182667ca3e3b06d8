import { describe, expect, test } from "bun:test";
import { InProcessBus } from "@chat/bus";
import { StaffAlert, staffAlertKey } from "@chat/contracts";
import pino from "pino";
import type { FailoverStep } from "./failover-stream.ts";
import { ProviderFailureAlerts } from "./provider-failure-alerts.ts";
import { ProviderError } from "./providers/provider-error.ts";

const logger = pino({ level: "silent" });

function step(provider: string): FailoverStep {
  return {
    action: "retry",
    modelId: "claude",
    provider,
    attempt: 1,
    error: new ProviderError(provider, "overloaded", "Overloaded", { status: 529 }),
    delayMs: 100,
  };
}

describe("ProviderFailureAlerts", () => {
  test("a provider failing `threshold` times in the window raises one critical error on the bus", async () => {
    const bus = new InProcessBus({ partitions: 1, deliveryLimit: 2, logger });
    const received: StaffAlert[] = [];
    await bus.consumeEvents<StaffAlert>(
      [staffAlertKey("*")],
      { name: "alerts", schema: StaffAlert },
      async (alert) => {
        received.push(alert);
      },
    );
    let now = Date.parse("2026-12-06T05:00:00Z");
    let ids = 0;
    const alerts = new ProviderFailureAlerts(
      bus,
      logger,
      { threshold: 3, windowMs: 60_000 },
      { now: () => new Date(now), newId: () => `alert${++ids}` },
    );

    alerts.observe(step("anthropic"));
    alerts.observe(step("openai"));
    now += 30_000;
    alerts.observe(step("anthropic"));
    // Out of the window: the first failure no longer counts.
    now += 31_000;
    alerts.observe(step("anthropic"));
    expect(ids).toBe(0);
    alerts.observe(step("anthropic"));
    // Once alerted, the rest of the window stays quiet.
    alerts.observe(step("anthropic"));
    alerts.observe(step("anthropic"));

    await Bun.sleep(50);
    expect(received).toEqual([
      expect.objectContaining({
        id: "alert1",
        kind: "critical_error",
        source: "orchestrator",
        summary: "Provider anthropic failed 3 times in 60 s",
        occurredAt: "2026-12-06T05:01:01.000Z",
        error: {
          code: "PROVIDER_ERROR",
          message: "Overloaded",
          details: "model claude, error kind overloaded, HTTP 529, then retried",
        },
      }),
    ]);
    await bus.close();
  });

  test("threshold 0 never alerts", () => {
    let published = 0;
    const alerts = new ProviderFailureAlerts(
      {
        publishEvent: async () => {
          published += 1;
        },
      },
      logger,
      { threshold: 0, windowMs: 60_000 },
      { now: () => new Date(), newId: () => "a" },
    );
    for (let index = 0; index < 10; index++) alerts.observe(step("anthropic"));
    expect(published).toBe(0);
  });
});
