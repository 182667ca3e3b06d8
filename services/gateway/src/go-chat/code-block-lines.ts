import type { CodeBlock, GoChatCodeBlock } from "@chat/contracts";

/** The 1-based line of `text` that holds the character at `index`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let position = text.indexOf("\n"); position >= 0 && position < index; ) {
    line++;
    position = text.indexOf("\n", position + 1);
  }
  return line;
}

/**
 * The code blocks of an answer with their lines beside their character offsets: `startLine` is the
 * line of the opening fence, `endLine` the line of the closing fence (of the last code line when
 * the block was never closed; an indented block has no fences and spans its code lines). Both are
 * 1-based lines of `text`, the answer the blocks were extracted from.
 *
 * @example
 * codeBlockLines("Run:\n```sh\nls\n```", blocks); // [{ language: "sh", code: "ls", startIndex: 5, endIndex: 17, startLine: 2, endLine: 4 }]
 */
export function codeBlockLines(text: string, blocks: readonly CodeBlock[]): GoChatCodeBlock[] {
  return blocks.map(({ language, code, startIndex, endIndex }) => ({
    language,
    code,
    startIndex,
    endIndex,
    startLine: lineAt(text, startIndex),
    // endIndex is exclusive: the block's last character is the one before it.
    endLine: lineAt(text, Math.max(startIndex, endIndex - 1)),
  }));
}
