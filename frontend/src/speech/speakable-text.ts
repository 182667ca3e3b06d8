import { markdownText } from "../markdown/markdown-text.ts";

/**
 * What of a markdown answer is worth reading aloud: its words, a block a line, code blocks as
 * "(code)"; links their text, images their description; formulas stay as written.
 *
 * @example
 * speakableText("**Yes**, see [the docs](https://x.test)."); // "Yes, see the docs."
 */
export function speakableText(markdown: string): string {
  return markdownText(markdown, { blockSeparator: "\n", codeBlock: () => "(code)" });
}
