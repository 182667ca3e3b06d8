import { describe, expect, test } from "bun:test";
import type { ConsoleChat } from "@chat/contracts";
import { compareRows, formatDuration, mergeLiveRow, rowMatches } from "./console-rows.ts";

const now = new Date("2025-01-01T12:00:00.000Z");
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

function row(id: string, changes: Partial<ConsoleChat> = {}): ConsoleChat {
  return {
    id,
    title: `Chat ${id}`,
    model: "demo",
    userId: "u1",
    userEmail: "ada@example.com",
    userName: "Ada",
    createdAt: minutesAgo(60),
    lastActivityAt: minutesAgo(0.5),
    sessionStartedAt: minutesAgo(60),
    sessionDurationMs: 0,
    sessions: 1,
    activity: "active",
    needsHelp: false,
    assisted: false,
    heldBy: null,
    messageCount: 2,
    ...changes,
  };
}

describe("console rows", () => {
  test("statuses follow the clock: active within a minute, idle until SESSION_IDLE_MINUTES, then ended", () => {
    expect(rowMatches(row("c1"), { status: "active" }, now, 15)).toBe(true);
    expect(rowMatches(row("c1", { lastActivityAt: minutesAgo(5) }), { status: "idle" }, now, 15)).toBe(true);
    expect(rowMatches(row("c1", { lastActivityAt: minutesAgo(15) }), { status: "ended" }, now, 15)).toBe(
      true,
    );
    expect(rowMatches(row("c1", { lastActivityAt: minutesAgo(15) }), { status: "idle" }, now, 15)).toBe(
      false,
    );
    expect(rowMatches(row("c1", { needsHelp: true }), { status: "needs_help" }, now, 15)).toBe(true);
    expect(rowMatches(row("c1"), { status: "assisted" }, now, 15)).toBe(false);
  });

  test("user, model and start filters must all match", () => {
    expect(rowMatches(row("c1"), { userEmail: " ADA@example.com" }, now, 15)).toBe(true);
    expect(rowMatches(row("c1"), { userEmail: "bob@example.com" }, now, 15)).toBe(false);
    expect(rowMatches(row("c1"), { model: "other" }, now, 15)).toBe(false);
    expect(rowMatches(row("c1"), { from: minutesAgo(30) }, now, 15)).toBe(false);
    expect(rowMatches(row("c1"), { from: minutesAgo(90), to: minutesAgo(30) }, now, 15)).toBe(true);
  });

  test("the comparators follow the server's orders", () => {
    const rows = [
      row("a", { sessionDurationMs: 5, userId: "u2", lastActivityAt: minutesAgo(3) }),
      row("b", { sessionDurationMs: 9, userId: "u1", lastActivityAt: minutesAgo(2) }),
      row("c", { sessionDurationMs: 5, userId: "u1", lastActivityAt: minutesAgo(1) }),
    ];
    expect([...rows].sort(compareRows("duration")).map((item) => item.id)).toEqual(["b", "c", "a"]);
    expect([...rows].sort(compareRows("user")).map((item) => item.id)).toEqual(["c", "b", "a"]);
    expect([...rows].sort(compareRows("last_activity")).map((item) => item.id)).toEqual(["c", "b", "a"]);
  });

  test("a live row is placed in order, replaces its old self, leaves when it stops matching, waits beyond the loaded pages", () => {
    const loaded = [row("b", { lastActivityAt: minutesAgo(2) }), row("a", { lastActivityAt: minutesAgo(3) })];
    const options = { sort: "last_activity" as const, matches: true, complete: false };
    expect(mergeLiveRow(loaded, row("c"), options).map((item) => item.id)).toEqual(["c", "b", "a"]);
    expect(mergeLiveRow(loaded, row("a"), options).map((item) => item.id)).toEqual(["a", "b"]);
    expect(mergeLiveRow(loaded, row("a"), { ...options, matches: false }).map((item) => item.id)).toEqual([
      "b",
    ]);
    const older = row("z", { lastActivityAt: minutesAgo(9) });
    expect(mergeLiveRow(loaded, older, options).map((item) => item.id)).toEqual(["b", "a"]);
    expect(mergeLiveRow(loaded, older, { ...options, complete: true }).map((item) => item.id)).toEqual([
      "b",
      "a",
      "z",
    ]);
  });

  test("durations read as seconds, minutes, hours", () => {
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(12 * 60_000)).toBe("12 min");
    expect(formatDuration(200 * 60_000)).toBe("3 h 20 min");
  });
});
