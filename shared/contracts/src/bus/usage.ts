import { type Static, Type } from "@sinclair/typebox";
import { Id } from "../http.ts";
import { busMessage } from "./envelope.ts";

/** One generation's usage, for the ledger that `GET /api/usage` sums. */
export const UsageRecord = Type.Object({
  id: Type.String({ minLength: 1, description: "The generation request's id: recording twice keeps one" }),
  userId: Id,
  chatId: Type.Union([Id, Type.Null()]),
  messageId: Type.Union([Id, Type.Null()]),
  purpose: Type.Union([Type.Literal("answer"), Type.Literal("title"), Type.Literal("api")]),
  model: Type.String(),
  provider: Type.String(),
  inputTokens: Type.Integer({ minimum: 0 }),
  outputTokens: Type.Integer({ minimum: 0 }),
  costUsd: Type.Number({ minimum: 0 }),
  timeToFirstTokenMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  durationMs: Type.Integer({ minimum: 0 }),
  createdAt: Type.String({ format: "date-time" }),
});
export type UsageRecord = Static<typeof UsageRecord>;

/** Published durably after every generation; the store's `store.usage` queue writes it once. */
export const UsageRecorded = busMessage("usage_recorded", { userId: Id, record: UsageRecord });
export type UsageRecorded = Static<typeof UsageRecorded>;

/** Routing key of a usage record. */
export function usageEventKey(userId: string): string {
  return `usage.${userId}.recorded`;
}
