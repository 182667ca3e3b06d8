import type { CodeBlock } from "@chat/contracts";
import { marked, type Token, type Tokens } from "marked";

/**
 * Finds the code blocks of a markdown text with marked's lexer: fenced (backticks or tildes,
 * closed or not, with or without a language), indented, and nested in lists or quotes.
 * `startIndex`/`endIndex` delimit the block's source in `text` (end exclusive).
 */
export function extractCodeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let cursor = 0;
  const visit = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token.type === "code") {
        const code = token as Tokens.Code;
        const [start, end] = locate(text, code, cursor);
        blocks.push({
          language: (code.lang ?? "").split(/\s+/)[0] ?? "",
          code: code.text,
          startIndex: start,
          endIndex: end,
        });
        cursor = end;
        continue;
      }
      const children =
        (token as { tokens?: Token[]; items?: Token[] }).tokens ?? (token as { items?: Token[] }).items;
      if (children) visit(children);
    }
  };
  visit(marked.lexer(text));
  return blocks;
}

/** Where a code token's source sits; inside quotes the raw differs from the text, so fall back to the code. */
function locate(text: string, code: Tokens.Code, from: number): [number, number] {
  const raw = code.raw.replace(/\n+$/, "");
  const rawAt = text.indexOf(raw, from);
  if (rawAt >= 0) return [rawAt, rawAt + raw.length];
  const codeAt = text.indexOf(code.text, from);
  return codeAt >= 0 ? [codeAt, codeAt + code.text.length] : [from, from];
}
