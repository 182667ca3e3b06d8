import { describe, expect, test } from "bun:test";
import { SEARCH_SNIPPET_CHARS } from "@chat/contracts";
import { escapeRegExp, searchSnippet } from "./search-snippet.ts";

/** `count` distinct words: long text in which no query occurs by accident. */
function words(prefix: string, count: number): string {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(" ");
}

describe("searchSnippet", () => {
  test("keeps a short text whole", () => {
    expect(searchSnippet("Boil the pasta for ten minutes.", "pasta")).toBe("Boil the pasta for ten minutes.");
  });

  test("collapses whitespace runs, newlines included, and trims the ends", () => {
    expect(searchSnippet("  First line\n\n\tsecond   line \r\n", "second")).toBe("First line second line");
  });

  test("cuts a long text on both sides around the match, the match whole and about centred", () => {
    const before = words("before", 100);
    const after = words("after", 100);

    const snippet = searchSnippet(`${before} the needle ${after}`, "needle");

    expect(snippet.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
    expect(snippet.length).toBeGreaterThan(SEARCH_SNIPPET_CHARS - 10);
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet).toContain(" the needle ");
    const middle = snippet.indexOf("needle") + "needle".length / 2;
    expect(Math.abs(middle - snippet.length / 2)).toBeLessThan(10);
    expect(`${before} the needle ${after}`).toContain(snippet.slice(1, -1));
  });

  test("a match at the start cuts only the end; one at the end cuts only the start", () => {
    const filler = words("word", 100);

    const atStart = searchSnippet(`Needle first, ${filler}`, "needle");
    expect(atStart.startsWith("Needle first, word0")).toBe(true);
    expect(atStart.endsWith("…")).toBe(true);
    expect(atStart.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);

    const atEnd = searchSnippet(`${filler}, last the needle`, "needle");
    expect(atEnd.startsWith("…")).toBe(true);
    expect(atEnd.endsWith(", last the needle")).toBe(true);
    expect(atEnd.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
  });

  test("ignores ASCII case and keeps the text's own case", () => {
    const content = `${words("x", 60)} Hello World ${words("y", 60)}`;

    for (const query of ["hello world", "HELLO WORLD", "hElLo wOrLd"]) {
      expect(searchSnippet(content, query)).toContain("Hello World");
    }
  });

  test("finds a query that spans a line break of the message, and one with its own whitespace runs", () => {
    const content = `${words("x", 60)} red\n\nsauce ${words("y", 60)}`;

    expect(searchSnippet(content, "red\n\nsauce")).toContain("red sauce");
    expect(searchSnippet(content, "red sauce")).toContain("red sauce");
  });

  test("shows the first occurrence", () => {
    const content = `${words("a", 40)} needle one ${words("b", 40)} needle two`;

    const snippet = searchSnippet(content, "needle");

    expect(snippet).toContain("needle one");
    expect(snippet).not.toContain("needle two");
  });

  test("a query longer than fits starts the snippet at the match", () => {
    const query = words("q", 60);
    const snippet = searchSnippet(`${words("x", 60)} ${query} ${words("y", 60)}`, query);

    expect(snippet.startsWith("…q0 q1 ")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
  });

  test("matches regular-expression and LIKE metacharacters literally", () => {
    for (const query of ["100%", "snake_case", ".*", "a\\b", "(x+)+$", "[z]"]) {
      const content = `${words("x", 60)} ${query} ${words("y", 60)}`;
      expect(searchSnippet(content, query)).toContain(` ${query} `);
    }
    // As patterns these would match at the very start; literally they occur only at the end.
    const content = `${words("x", 60)} the end: .* and %`;
    expect(searchSnippet(content, ".*")).toEndWith("the end: .* and %");
    expect(searchSnippet(content, "%")).toEndWith("the end: .* and %");
  });

  test("without an occurrence shows the start of the text", () => {
    const content = words("x", 100);

    const snippet = searchSnippet(content, "Straße");

    expect(snippet.startsWith("x0 x1 ")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
  });

  test("never cuts an emoji in half", () => {
    const emoji = "😀".repeat(200);

    for (const content of [`${emoji} needle ${emoji}`, `x${emoji} needle x${emoji}`]) {
      const snippet = searchSnippet(content, "needle");
      expect(snippet.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
      expect(snippet).toContain(" needle ");
      expect(snippet.isWellFormed()).toBe(true);
    }
  });
});

describe("escapeRegExp", () => {
  test("a pattern of the escaped text matches exactly that text", () => {
    for (const text of [".*", "a+b?", "(x+)+$", "^[a-z]{2}|\\d", "C:\\path", "100% snake_case"]) {
      const pattern = new RegExp(`^${escapeRegExp(text)}$`);
      expect(pattern.test(text)).toBe(true);
      expect(pattern.test(`${text}x`)).toBe(false);
    }
    expect(new RegExp(escapeRegExp(".*")).test("anything")).toBe(false);
  });
});
