import { expect, test } from "bun:test";
import type { CodeBlock } from "@chat/contracts";
import { codeBlockLines } from "./code-block-lines.ts";

/** A block as the extractor reports it: `source` (fences included) located in `text`, end exclusive. */
function blockOf(text: string, source: string, language: string, code: string): CodeBlock {
  const startIndex = text.indexOf(source);
  if (startIndex < 0) throw new Error(`${source} is not in the text`);
  return { language, code, startIndex, endIndex: startIndex + source.length };
}

test("a fenced block spans its opening fence line to its closing fence line", () => {
  const text = "Here is how:\n\n```ts\nconst a = 1;\nconst b = 2;\n```\n\nDone.";
  const code = "const a = 1;\nconst b = 2;";
  const located = blockOf(text, `\`\`\`ts\n${code}\n\`\`\``, "ts", code);
  const [block] = codeBlockLines(text, [located]);
  expect(block).toEqual({ ...located, startLine: 3, endLine: 6 });
  const lines = text.split("\n");
  expect(lines[2]).toBe("```ts");
  expect(lines[5]).toBe("```");
});

test("several blocks: one on line 1, one never closed that ends the text", () => {
  const text = "```\nplain\n```\ntext between\n~~~py\nprint(1)\n~~~\nand\n```sh\nls\nwc";
  const blocks = [
    blockOf(text, "```\nplain\n```", "", "plain"),
    blockOf(text, "~~~py\nprint(1)\n~~~", "py", "print(1)"),
    blockOf(text, "```sh\nls\nwc", "sh", "ls\nwc"),
  ];
  expect(codeBlockLines(text, blocks).map(({ startLine, endLine }) => [startLine, endLine])).toEqual([
    [1, 3],
    [5, 7],
    [9, 11],
  ]);
});

test("an indented block spans its code lines", () => {
  const text = "Intro\n\n    first()\n    second()\n\nAfter";
  const [block] = codeBlockLines(text, [blockOf(text, "    first()\n    second()", "", "first()\nsecond()")]);
  expect([block?.startLine, block?.endLine]).toEqual([3, 4]);
});

test("an empty block is one line; CRLF line ends count as lines too", () => {
  expect(codeBlockLines("a\nb", [{ language: "", code: "", startIndex: 2, endIndex: 2 }])).toEqual([
    { language: "", code: "", startIndex: 2, endIndex: 2, startLine: 2, endLine: 2 },
  ]);
  const crlf = "Intro\r\n```js\r\nx()\r\n```\r\n";
  const [block] = codeBlockLines(crlf, [blockOf(crlf, "```js\r\nx()\r\n```", "js", "x()")]);
  expect([block?.startLine, block?.endLine]).toEqual([2, 4]);
});
