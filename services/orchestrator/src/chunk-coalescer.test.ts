import { expect, test } from "bun:test";
import { ChunkCoalescer } from "./chunk-coalescer.ts";

test("the first token leaves at once; tokens arriving together after it leave as one chunk after the flush interval", async () => {
  const chunks: string[] = [];
  const coalescer = new ChunkCoalescer({ flushMs: 20, flushBytes: 1_000 }, async (content) => {
    chunks.push(content);
  });
  for (const token of ["Hel", "lo", ", ", "world"]) await coalescer.push(token);
  expect(chunks).toEqual(["Hel"]);
  await Bun.sleep(60);
  expect(chunks).toEqual(["Hel", "lo, world"]);
  await coalescer.close();
  expect(chunks).toEqual(["Hel", "lo, world"]);
});

test("a chunk leaves at once when it reaches the byte limit, and close flushes the rest in order", async () => {
  const chunks: string[] = [];
  const coalescer = new ChunkCoalescer({ flushMs: 10_000, flushBytes: 8 }, async (content) => {
    await Bun.sleep(1);
    chunks.push(content);
  });
  for (const token of ["a", "bcde", "fghi", "jk", "lm"]) await coalescer.push(token);
  await coalescer.close();
  expect(chunks).toEqual(["a", "bcdefghi", "jklm"]);
});

test("a failing flush surfaces on the next push or on close", async () => {
  const coalescer = new ChunkCoalescer({ flushMs: 10_000, flushBytes: 1 }, async () => {
    throw new Error("broker down");
  });
  await coalescer.push("x");
  await expect(coalescer.close()).rejects.toThrow("broker down");
});
