import { describe, expect, test } from "bun:test";
import { splitAtMatches } from "./split-at-matches.ts";

/** The parts as text with the matches in brackets, to read the expectations at a glance. */
function marked(text: string, query: string): string {
  return splitAtMatches(text, query)
    .map((part) => (part.matched ? `[${part.text}]` : part.text))
    .join("");
}

describe("splitAtMatches", () => {
  test("marks every occurrence, ignoring case, and keeps the text's own case", () => {
    expect(splitAtMatches("Pack for Rain and rain", "rAIN")).toEqual([
      { text: "Pack for ", matched: false },
      { text: "Rain", matched: true },
      { text: " and ", matched: false },
      { text: "rain", matched: true },
    ]);
  });

  test("a match at either end leaves no empty part", () => {
    expect(splitAtMatches("demo text demo", "demo")).toEqual([
      { text: "demo", matched: true },
      { text: " text ", matched: false },
      { text: "demo", matched: true },
    ]);
    expect(splitAtMatches("demo", "DEMO")).toEqual([{ text: "demo", matched: true }]);
  });

  test("text without the query is one unmatched part; empty text none", () => {
    expect(splitAtMatches("nothing here", "zebra")).toEqual([{ text: "nothing here", matched: false }]);
    expect(splitAtMatches("", "zebra")).toEqual([]);
  });

  test("a blank query marks nothing", () => {
    expect(splitAtMatches("some text", "  ")).toEqual([{ text: "some text", matched: false }]);
  });

  test("the query is trimmed, and its whitespace matches any run of whitespace", () => {
    expect(marked("…a real model is configured…", "  real   model ")).toBe("…a [real model] is configured…");
    expect(marked("two\n  lines", "two lines")).toBe("[two\n  lines]");
  });

  test("regular-expression characters are plain text", () => {
    expect(marked("costs $5.00 (or 5x00)", "$5.00")).toBe("costs [$5.00] (or 5x00)");
    expect(marked("a+b a+b", "a+b")).toBe("[a+b] [a+b]");
    expect(marked("[x] \\d", "\\d")).toBe("[x] [\\d]");
  });

  test("case folds letter by letter, as in the server's snippets: accented letters too, but ß is not SS", () => {
    expect(marked("Résumé and RÉSUMÉ", "résumé")).toBe("[Résumé] and [RÉSUMÉ]");
    expect(marked("Straße", "STRASSE")).toBe("Straße");
  });

  test("occurrences do not overlap", () => {
    expect(marked("aaaa", "aa")).toBe("[aa][aa]");
    expect(marked("aaa", "aa")).toBe("[aa]a");
  });
});
