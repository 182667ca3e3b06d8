import { expect, test } from "bun:test";
import { GenerationCancellations, GenerationCancelled } from "./generation-cancellations.ts";

test("a cancel aborts the running generation with GenerationCancelled", () => {
  const cancellations = new GenerationCancellations();
  const signal = cancellations.start("message-1");
  const other = cancellations.start("message-2");
  cancellations.cancel("message-1");
  expect(signal.aborted).toBe(true);
  expect(signal.reason).toBeInstanceOf(GenerationCancelled);
  expect(other.aborted).toBe(false);
});

test("a cancel heard before the generation starts here aborts it at its start, and is forgotten after ten minutes", () => {
  let now = 0;
  const cancellations = new GenerationCancellations(() => now);
  cancellations.cancel("queued");
  expect(cancellations.start("queued").aborted).toBe(true);
  now = 11 * 60_000;
  cancellations.cancel("later");
  expect(cancellations.start("queued").aborted).toBe(false);
  expect(cancellations.start("later").aborted).toBe(true);
});
