import { describe, expect, test } from "bun:test";
import { speakableText } from "./speakable-text.ts";

describe("speakableText", () => {
  test.each([
    ["**Yes**, see [the docs](https://x.test).", "Yes, see the docs."],
    ["# Title\n\nSome _emphasis_ and `code`.", "Title\nSome emphasis and code."],
    ["Before\n\n```ts\nconst secret = 1;\n```\n\nAfter", "Before\n(code)\nAfter"],
    ["- one\n- two\n1. three", "one\ntwo\nthree"],
    ["> quoted ~~old~~ text", "quoted old text"],
    ["An image: ![a cat](/cat.png)", "An image: a cat"],
    ["snake_case_name stays", "snake_case_name stays"],
    ["Price: 5 * 3 = 15", "Price: 5 * 3 = 15"],
    ["Above\n\n---\n\nBelow", "Above\nBelow"],
  ])("%j is read as %j", (markdown, spoken) => {
    expect(speakableText(markdown)).toBe(spoken);
  });
});
