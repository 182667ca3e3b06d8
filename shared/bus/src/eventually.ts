/**
 * Waits until `condition` holds, polling every 10 ms; fails naming `what` after `timeoutMs`.
 * For tests of asynchronous deliveries: it waits for an outcome, it never measures speed.
 *
 * @example
 * await eventually(() => handled.length === 3, "three handled commands");
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
