import { describe, expect, test } from "bun:test";
import { StaffAlert } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { deadLetterAlert, feedsItself, isDeadLetterAlert } from "./dead-letter-alerts.ts";

const context = { newId: () => "alert1", now: () => new Date("2026-12-06T05:00:00.000Z") };

describe("deadLetterAlert", () => {
  test("names the queue, the message's type, chat and user, and carries the start of the message", () => {
    const alert = deadLetterAlert(
      {
        source: "ai.generate",
        message: { type: "generation_requested", chatId: "chat7", userId: "u1", seq: 1 },
      },
      context,
    );
    expect(Value.Check(StaffAlert, alert)).toBe(true);
    expect(alert).toMatchObject({
      id: "alert1",
      kind: "critical_error",
      chatId: "chat7",
      userId: "u1",
      source: "bus",
      summary: "A message was dead-lettered from ai.generate: generation_requested",
      occurredAt: "2026-12-06T05:00:00.000Z",
      error: { code: "DEAD_LETTERED", details: expect.stringContaining('"seq":1') },
    });
  });

  test("a message that is not an object, or far too long, still makes a valid alert", () => {
    const text = deadLetterAlert({ source: "notifier", message: "{ this is not json" }, context);
    expect(Value.Check(StaffAlert, text)).toBe(true);
    expect(text.summary).toBe("A message was dead-lettered from notifier: unreadable message");
    expect(text.error?.details).toBe("{ this is not json");

    const long = deadLetterAlert(
      { source: "session", message: { type: "x", chatId: "bad id!", body: "y".repeat(20_000) } },
      context,
    );
    expect(Value.Check(StaffAlert, long)).toBe(true);
    expect(long.error?.details?.length).toBeLessThanOrEqual(1_001);
  });

  test("an alert about a dead letter is recognised, so its own dead letter raises no alert again", () => {
    const alert = deadLetterAlert(
      { source: "ai.generate", message: { type: "generation_requested" } },
      context,
    );
    expect(isDeadLetterAlert({ source: "notifier.alerts", message: alert })).toBe(true);
    expect(
      isDeadLetterAlert({ source: "notifier.alerts", message: { ...alert, source: "orchestrator" } }),
    ).toBe(false);
    expect(isDeadLetterAlert({ source: "notifier.alerts", message: "{ not json" })).toBe(false);
    expect(
      feedsItself({ source: "rpc.store", message: { type: "store.claim_notification_deliveries" } }),
    ).toBe(true);
    expect(feedsItself({ source: "rpc.store", message: { type: "store.get_chat" } })).toBe(false);
    expect(feedsItself({ source: "session", message: null })).toBe(false);
  });
});
