/** How deliveries are retried. */
export type RetryPolicy = {
  /** Attempts in all, the first included; after the last failure the delivery is dead-lettered. */
  maxAttempts: number;
  /** The wait after the first failure; doubled after each further one. */
  baseDelayMs: number;
  /** The longest wait. */
  maxDelayMs: number;
};

/**
 * The wait before attempt `attempt + 1`, after `attempt` failures: exponential, capped, with
 * "equal jitter" (half fixed, half random) so that deliveries failed by one outage do not all
 * return at once, yet each still waits at least half its step.
 *
 * @example
 * retryDelayMs(3, { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000 }, Math.random); // 2000..4000
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
