import type { ProviderErrorKind } from "./provider-error.ts";

/** What an HTTP status from a model provider means for the orchestrator. */
export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 529) return "overloaded";
  if (status === 408) return "timeout";
  // 402 is an exhausted balance (e.g. OpenRouter credits): like a bad key, only the operator can fix it.
  if (status === 401 || status === 402 || status === 403) return "auth";
  if (status >= 500) return "server";
  return "bad_request";
}

/** Milliseconds from `retry-after-ms`, or from `retry-after` (seconds or an HTTP date). */
export function retryAfterMsOf(headers: Headers | undefined): number | undefined {
  const milliseconds = Number(headers?.get("retry-after-ms")?.trim() || Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headers?.get("retry-after")?.trim();
  if (!retryAfter) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Upstream identifiers go into our messages only when they look like identifiers, never like secrets. */
export function safeName(value: unknown): string | undefined {
  return typeof value === "string" && /^[a-z][a-z_]{0,47}$/.test(value) ? value : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
