/** How long the first retry waits at most, and where doubling stops. */
export const reconnectBaseMs = 500;
export const reconnectMaximumMs = 30_000;

/**
 * Milliseconds before reconnect attempt `attempt` (0 for the first): exponential backoff
 * (500 ms doubling up to 30 s) with "equal jitter" — half of it fixed, half random — so clients
 * dropped together by one gateway do not all come back at the same moment, and none hammers.
 *
 * @example
 * reconnectDelay(0); // 250–500 ms
 * reconnectDelay(3); // 2–4 s
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(reconnectMaximumMs, reconnectBaseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
