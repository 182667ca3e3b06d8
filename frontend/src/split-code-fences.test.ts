import { describe, expect, test } from "bun:test";
import { splitCodeFences } from "./split-code-fences.ts";

describe("splitCodeFences", () => {
  test("separates prose from a closed fence and keeps the info string as the language", () => {
    expect(splitCodeFences("Try:\n```js\nrun()\n```\nDone")).toEqual([
      { kind: "text", text: "Try:" },
      { kind: "code", language: "js", code: "run()", closed: true },
      { kind: "text", text: "Done" },
    ]);
  });

  test("a fence still open at the end is a code block in progress", () => {
    expect(splitCodeFences("a\n\n```\nx\n\ny")).toEqual([
      { kind: "text", text: "a" },
      { kind: "code", language: "", code: "x\n\ny", closed: false },
    ]);
  });

  test("markup stays text and indentation is kept", () => {
    expect(splitCodeFences("<b>hi</b>\n  indented")).toEqual([
      { kind: "text", text: "<b>hi</b>\n  indented" },
    ]);
  });

  test("a shorter fence inside a longer one does not close it", () => {
    expect(splitCodeFences("````md\n```js\ninner\n```\n````")).toEqual([
      { kind: "code", language: "md", code: "```js\ninner\n```", closed: true },
    ]);
  });

  test("empty text has no segments", () => {
    expect(splitCodeFences("")).toEqual([]);
  });
});
