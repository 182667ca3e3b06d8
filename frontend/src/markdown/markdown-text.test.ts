import { describe, expect, test } from "bun:test";
import { markdownText } from "./markdown-text.ts";

describe("markdownText: what a reader sees of markdown", () => {
  test.each([
    [
      'You asked: *"pasta"*. I am the **offline demo model**, so',
      'You asked: "pasta". I am the offline demo model, so',
    ],
    ["Use `npm test` and ~~not~~ _this_", "Use npm test and not this"],
    ["See [the docs](https://example.com/docs) or ![a chart](chart.png)", "See the docs or a chart"],
    ["## Steps\n\n1. Boil\n2. Add **pasta**\n\n> Quoted", "Steps Boil Add pasta Quoted"],
    ["```ts\nconst x = 1;\n```\nDone", "const x = 1; Done"],
    ["| a | b |\n|---|---|\n| 1 | **2** |", "a b 1 2"],
    ["un**bold**ed and line\nbreak", "unbolded and line break"],
    ["…emo model**, so I cannot", "…emo model**, so I cannot"],
    ["2 * 3 * 4 = 24, and 5 < 6", "2 * 3 * 4 = 24, and 5 < 6"],
    ["Tom & Jerry's <b>show</b>", "Tom & Jerry's <b>show</b>"],
  ])("%j → %j", (source, shown) => {
    expect(markdownText(source)).toBe(shown);
  });
});
