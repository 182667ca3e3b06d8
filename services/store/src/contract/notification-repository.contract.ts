import { describe, expect, test } from "bun:test";
import type { NotificationDelivery, StaffRecipient } from "@chat/contracts";
import { at, type MakeStore, storePerTest } from "./store-fixtures.ts";

export function recipient(id: string, overrides: Partial<StaffRecipient> = {}): StaffRecipient {
  return {
    id,
    name: `Recipient ${id}`,
    enabled: true,
    kinds: ["critical_error"],
    email: `${id}@example.com`,
    phone: "+15005550006",
    webhookUrls: ["https://hooks.example.com/alerts"],
    updatedAt: at(1),
    ...overrides,
  };
}

export function delivery(id: string, overrides: Partial<NotificationDelivery> = {}): NotificationDelivery {
  return {
    id,
    alertId: "a1",
    kind: "critical_error",
    recipientId: "r1",
    channel: "webhook",
    address: "https://hooks.example.com/alerts",
    subject: "Provider failing",
    text: "anthropic failed 5 times",
    payload: '{"type":"staff_alert"}',
    status: "pending",
    attempts: 0,
    nextAttemptAt: at(10),
    createdAt: at(10),
    updatedAt: at(10),
    ...overrides,
  };
}

/** The NotificationRepository part of the store contract, run against the adapter that `make` opens. */
export function notificationRepositoryContract(name: string, make: MakeStore): void {
  describe(`${name} (NotificationRepository contract)`, () => {
    const store = storePerTest(make);

    describe("staff recipients", () => {
      test("are listed by name, replaced by id and deleted", async () => {
        // Only the required settings: no e-mail, phone, webhook or user.
        const ada: StaffRecipient = {
          id: "r1",
          name: "Ada",
          enabled: false,
          kinds: [],
          webhookUrls: [],
          updatedAt: "2025-01-01T02:00:01+02:00",
        };
        await store.notifications.putRecipient(recipient("r2", { name: "Zoe" }));
        expect(await store.notifications.putRecipient(ada)).toStrictEqual({ ...ada, updatedAt: at(1) });
        expect((await store.notifications.listRecipients()).map((each) => each.name)).toEqual(["Ada", "Zoe"]);

        const replaced = recipient("r2", { name: "Bea", kinds: [], webhookUrls: [], userId: "u7" });
        expect(await store.notifications.putRecipient(replaced)).toStrictEqual(replaced);
        const [first, second] = await store.notifications.listRecipients();
        expect(first).toStrictEqual({ ...ada, updatedAt: at(1) });
        expect(second).toStrictEqual(replaced);

        expect(await store.notifications.deleteRecipient("r1")).toBe(true);
        expect(await store.notifications.deleteRecipient("r1")).toBe(false);
        expect((await store.notifications.listRecipients()).map((each) => each.id)).toEqual(["r2"]);
      });
    });

    describe("deliveries", () => {
      test("enqueueing the same id twice keeps the first", async () => {
        expect(await store.notifications.enqueueDeliveries([delivery("d1"), delivery("d2")])).toBe(2);
        expect(
          await store.notifications.enqueueDeliveries([delivery("d1", { text: "other" }), delivery("d3")]),
        ).toBe(1);
        const page = await store.notifications.listDeliveries(undefined, { limit: 10 });
        expect(page.items.find((each) => each.id === "d1")?.text).toBe("anthropic failed 5 times");
        expect(page.items).toHaveLength(3);
      });

      test("a claim takes due pending deliveries, earliest first, and leases them", async () => {
        await store.notifications.enqueueDeliveries([
          delivery("late", { nextAttemptAt: at(30) }),
          delivery("second", { nextAttemptAt: at(12) }),
          delivery("first", { nextAttemptAt: at(11) }),
          delivery("third", { nextAttemptAt: at(13) }),
        ]);

        const claimed = await store.notifications.claimDueDeliveries(at(20), at(80), 2);
        expect(claimed.map((each) => each.id)).toEqual(["first", "second"]);
        expect(claimed[0]?.nextAttemptAt).toBe(at(80));
        expect(
          (await store.notifications.claimDueDeliveries(at(20), at(80), 10)).map((each) => each.id),
        ).toEqual(["third"]);
        expect(await store.notifications.claimDueDeliveries(at(20), at(80), 10)).toEqual([]);
        // A lease that runs out makes the delivery due again (its claimer died).
        expect(
          (await store.notifications.claimDueDeliveries(at(81), at(90), 10)).map((each) => each.id),
        ).toEqual(["late", "first", "second", "third"]);
      });

      test("settling records a retry, a send and a dead letter; a settled delivery stays settled", async () => {
        await store.notifications.enqueueDeliveries([delivery("d1"), delivery("d2"), delivery("d3")]);

        expect(
          await store.notifications.settleDelivery("d1", {
            status: "pending",
            attempts: 1,
            at: at(11),
            nextAttemptAt: at(15),
            lastError: "HTTP 503",
          }),
        ).toBe(true);
        expect(
          await store.notifications.settleDelivery("d2", { status: "sent", attempts: 1, at: at(12) }),
        ).toBe(true);
        expect(
          await store.notifications.settleDelivery("d3", {
            status: "dead",
            attempts: 1,
            at: at(13),
            lastError: "HTTP 400",
          }),
        ).toBe(true);
        expect(
          await store.notifications.settleDelivery("d2", { status: "sent", attempts: 2, at: at(14) }),
        ).toBe(false);
        expect(
          await store.notifications.settleDelivery("missing", { status: "sent", attempts: 1, at: at(14) }),
        ).toBe(false);

        expect(
          (await store.notifications.claimDueDeliveries(at(14), at(60), 10)).map((each) => each.id),
        ).toEqual([]);
        const [retried] = await store.notifications.claimDueDeliveries(at(15), at(60), 10);
        expect(retried).toMatchObject({ id: "d1", attempts: 1, lastError: "HTTP 503", status: "pending" });

        const dead = await store.notifications.listDeliveries("dead", { limit: 10 });
        expect(dead.items).toStrictEqual([
          delivery("d3", {
            status: "dead",
            attempts: 1,
            lastError: "HTTP 400",
            nextAttemptAt: at(13),
            updatedAt: at(13),
          }),
        ]);
        const sent = await store.notifications.listDeliveries("sent", { limit: 10 });
        expect(sent.items.map((each) => [each.id, each.attempts, each.lastError])).toEqual([
          ["d2", 1, undefined],
        ]);
      });

      test("lists page the most recently changed first", async () => {
        await store.notifications.enqueueDeliveries(
          [1, 2, 3, 4, 5].map((second) =>
            delivery(`d${second}`, { status: "dead", updatedAt: at(second % 2 === 0 ? 20 : second) }),
          ),
        );
        const first = await store.notifications.listDeliveries("dead", { limit: 2 });
        expect(first.items.map((each) => each.id)).toEqual(["d4", "d2"]);
        const second = await store.notifications.listDeliveries("dead", {
          limit: 2,
          cursor: first.nextCursor ?? "",
        });
        expect(second.items.map((each) => each.id)).toEqual(["d5", "d3"]);
        const last = await store.notifications.listDeliveries("dead", {
          limit: 2,
          cursor: second.nextCursor ?? "",
        });
        expect(last).toStrictEqual({ items: [expect.objectContaining({ id: "d1" })], nextCursor: null });
        expect((await store.notifications.listDeliveries("pending", { limit: 2 })).items).toEqual([]);
      });
    });
  });
}
