import { expect, test } from "bun:test";
import { extractCodeBlocks } from "./code-block-extractor.ts";

const cases: Array<{
  name: string;
  text: string;
  expected: Array<{ language: string; code: string; source: string }>;
}> = [
  {
    name: "backtick fence with a language",
    text: "Intro\n\n```ts\nconst a = 1;\n```\n\nOutro",
    expected: [{ language: "ts", code: "const a = 1;", source: "```ts\nconst a = 1;\n```" }],
  },
  {
    name: "tilde fence without a language",
    text: "~~~\nplain\n~~~",
    expected: [{ language: "", code: "plain", source: "~~~\nplain\n~~~" }],
  },
  {
    name: "unclosed fence runs to the end",
    text: "Look:\n\n```python\nprint(1)",
    expected: [{ language: "python", code: "print(1)", source: "```python\nprint(1)" }],
  },
  {
    name: "two blocks, and a fence inside a longer fence is code",
    text: "````md\n```js\nx()\n```\n````\n\n```sh\nls\n```",
    expected: [
      { language: "md", code: "```js\nx()\n```", source: "````md\n```js\nx()\n```\n````" },
      { language: "sh", code: "ls", source: "```sh\nls\n```" },
    ],
  },
  { name: "inline code is not a block", text: "Use `npm test` here.", expected: [] },
  {
    name: "indented code block has no language",
    text: "Run this:\n\n    npm install\n    npm test\n\nDone.",
    expected: [{ language: "", code: "npm install\nnpm test", source: "    npm install\n    npm test" }],
  },
  {
    name: "info string with attributes keeps only the language",
    text: '```ts title="a.ts" {1}\nlet x = 1;\n```',
    expected: [{ language: "ts", code: "let x = 1;", source: '```ts title="a.ts" {1}\nlet x = 1;\n```' }],
  },
  {
    name: "tilde fence holding backticks",
    text: "~~~markdown\n```js\nx\n```\n~~~",
    expected: [{ language: "markdown", code: "```js\nx\n```", source: "~~~markdown\n```js\nx\n```\n~~~" }],
  },
];

for (const { name, text, expected } of cases) {
  test(`code blocks: ${name}`, () => {
    const blocks = extractCodeBlocks(text);
    expect(blocks.map(({ language, code }) => ({ language, code }))).toEqual(
      expected.map(({ language, code }) => ({ language, code })),
    );
    expect(blocks.map((block) => text.slice(block.startIndex, block.endIndex))).toEqual(
      expected.map((block) => block.source),
    );
  });
}

test("code blocks nested in a list are found", () => {
  const blocks = extractCodeBlocks("- step one\n\n  ```js\n  run()\n  ```\n");
  expect(blocks.map((block) => [block.language, block.code])).toEqual([["js", "run()"]]);
});
