import { AppError, type ConsoleSort } from "@chat/contracts";

/**
 * Where a row sits in the console's order: the sort's value(s), then the chat id to break ties.
 * `last_activity` and `started` hold a timestamp, `duration` milliseconds, `user` the user id and
 * the last activity.
 */
export type ConsoleSortKey =
  | { sort: "last_activity" | "started"; at: string; id: string }
  | { sort: "duration"; durationMs: number; id: string }
  | { sort: "user"; userId: string; at: string; id: string };

/** The key of a row in the order `sort`. */
export function consoleSortKey(
  sort: ConsoleSort,
  row: { id: string; userId: string; createdAt: string; lastActivityAt: string; sessionDurationMs: number },
): ConsoleSortKey {
  switch (sort) {
    case "started":
      return { sort, at: row.createdAt, id: row.id };
    case "duration":
      return { sort, durationMs: row.sessionDurationMs, id: row.id };
    case "user":
      return { sort, userId: row.userId, at: row.lastActivityAt, id: row.id };
    default:
      return { sort, at: row.lastActivityAt, id: row.id };
  }
}

/** Encodes a key as an opaque cursor (base64url of JSON). */
export function encodeConsoleCursor(key: ConsoleSortKey): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function invalidCursor(cause?: unknown): never {
  throw new AppError("VALIDATION_FAILED", "Invalid cursor", { retryable: false, cause });
}

const isTimestamp = (value: unknown): value is string =>
  typeof value === "string" && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;

/**
 * Decodes a cursor of the order `sort`; one of another order, or anything else, throws
 * VALIDATION_FAILED "Invalid cursor".
 */
export function decodeConsoleCursor(cursor: string, sort: ConsoleSort): ConsoleSortKey {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    invalidCursor(error);
  }
  if (typeof key !== "object" || key === null || key.sort !== sort || typeof key.id !== "string")
    invalidCursor();
  const valid =
    sort === "duration"
      ? Number.isInteger(key.durationMs)
      : isTimestamp(key.at) && (sort !== "user" || typeof key.userId === "string");
  if (!valid) invalidCursor();
  const decoded = key as ConsoleSortKey;
  if (encodeConsoleCursor(consoleSortKey(sort, toRow(decoded))) !== cursor) invalidCursor();
  return decoded;
}

function toRow(key: ConsoleSortKey) {
  return {
    id: key.id,
    userId: key.sort === "user" ? key.userId : "",
    createdAt: "at" in key ? key.at : "",
    lastActivityAt: "at" in key ? key.at : "",
    sessionDurationMs: key.sort === "duration" ? key.durationMs : 0,
  };
}
