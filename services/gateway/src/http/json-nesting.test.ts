import { describe, expect, test } from "bun:test";
import { maxJsonNestingDepth, nestsDeeperThan } from "./json-nesting.ts";

describe("nestsDeeperThan", () => {
  test("counts objects and arrays, not brackets inside strings or escaped quotes", () => {
    expect(nestsDeeperThan('{"a":[[1]]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[[1]]}', 2)).toBe(true);
    expect(nestsDeeperThan('{"a":"[[[[[[\\"[[[["}', 1)).toBe(false);
    expect(nestsDeeperThan('["\\\\",[[1]]]', 2)).toBe(true);
  });

  test("a body 40 000 levels deep is found at once, in text and in bytes", () => {
    const deep = `{"type":"ping","a":${"[".repeat(40_000)}${"]".repeat(40_000)}}`;
    expect(nestsDeeperThan(deep)).toBe(true);
    expect(nestsDeeperThan(new TextEncoder().encode(deep))).toBe(true);
  });

  test("the limit itself is allowed", () => {
    const atLimit = "[".repeat(maxJsonNestingDepth) + "]".repeat(maxJsonNestingDepth);
    expect(nestsDeeperThan(atLimit)).toBe(false);
    expect(nestsDeeperThan(`[${atLimit}]`)).toBe(true);
  });
});
