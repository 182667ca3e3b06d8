import { describe, expect, test } from "bun:test";
import type { AuditEntry } from "@chat/contracts";
import { at, expectAppError, type MakeStore, storePerTest } from "./store-fixtures.ts";

/** An entry by admin a1 at `seconds`; `changes` override any field. */
function auditEntry(id: string, seconds: number, changes: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    actor: { id: "a1", email: "admin@example.com" },
    action: "role_changed",
    chatId: null,
    details: { userId: "u1", from: "user", to: "agent" },
    at: at(seconds),
    ...changes,
  };
}

/** The AuditLogRepository part of the store contract, run against the adapter that `make` opens. */
export function auditLogContract(name: string, make: MakeStore): void {
  describe(`${name} (AuditLogRepository contract)`, () => {
    const store = storePerTest(make);

    test("an appended entry is listed as written", async () => {
      const entry = auditEntry("e1", 1, { chatId: "c1", details: { reason: "takeover" } });
      expect(await store.auditLog.append(entry)).toBe(true);

      expect(await store.auditLog.list({}, { limit: 10 })).toStrictEqual({
        items: [entry],
        nextCursor: null,
      });
    });

    test("appending an id again keeps the first entry", async () => {
      await store.auditLog.append(auditEntry("e1", 1));

      expect(await store.auditLog.append(auditEntry("e1", 2, { details: { other: "x" } }))).toBe(false);
      expect((await store.auditLog.list({}, { limit: 10 })).items).toStrictEqual([auditEntry("e1", 1)]);
    });

    test("lists newest first, ties by id, page by page without gaps or repeats", async () => {
      for (const [id, seconds] of [
        ["e1", 1],
        ["e2", 3],
        ["e3", 2],
        ["e5", 3],
        ["e4", 4],
      ] as const) {
        await store.auditLog.append(auditEntry(id, seconds));
      }
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.auditLog.list({}, { cursor, limit: 2 });
        ids.push(...page.items.map((entry) => entry.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);

      expect(ids).toEqual(["e4", "e5", "e2", "e3", "e1"]);
    });

    test("filters by actor, chat and action, together", async () => {
      await store.auditLog.append(auditEntry("e1", 1));
      await store.auditLog.append(auditEntry("e2", 2, { actor: { id: "a2", email: "b@example.com" } }));
      await store.auditLog.append(auditEntry("e3", 3, { chatId: "c1" }));
      await store.auditLog.append(
        auditEntry("e4", 4, { chatId: "c1", actor: { id: "a2", email: "b@x.io" } }),
      );
      const ids = async (filter: Parameters<typeof store.auditLog.list>[0]) =>
        (await store.auditLog.list(filter, { limit: 10 })).items.map((entry) => entry.id);

      expect(await ids({ actorId: "a1" })).toEqual(["e3", "e1"]);
      expect(await ids({ chatId: "c1" })).toEqual(["e4", "e3"]);
      expect(await ids({ actorId: "a2", chatId: "c1" })).toEqual(["e4"]);
      expect(await ids({ action: "role_changed", actorId: "a2" })).toEqual(["e4", "e2"]);
      expect(await ids({ actorId: "nobody" })).toEqual([]);
    });

    test("a filtered list pages within the filter", async () => {
      for (let index = 1; index <= 5; index++) {
        await store.auditLog.append(auditEntry(`e${index}`, index, { chatId: index % 2 ? "c1" : "c2" }));
      }
      const first = await store.auditLog.list({ chatId: "c1" }, { limit: 2 });
      const second = await store.auditLog.list(
        { chatId: "c1" },
        { cursor: first.nextCursor ?? "", limit: 2 },
      );

      expect(first.items.map((entry) => entry.id)).toEqual(["e5", "e3"]);
      expect(second).toMatchObject({ nextCursor: null });
      expect(second.items.map((entry) => entry.id)).toEqual(["e1"]);
    });

    test("a malformed cursor is VALIDATION_FAILED", async () => {
      await expectAppError(
        store.auditLog.list({}, { cursor: "not-a-cursor", limit: 2 }),
        "VALIDATION_FAILED",
      );
    });
  });
}
