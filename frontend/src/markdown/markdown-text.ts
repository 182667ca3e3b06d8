import { Lexer } from "marked";

/** The parts of a Marked token that hold words: its text, or the tokens, items or cells inside it. */
type TextNode = {
  type: string;
  text?: string;
  tokens?: TextNode[];
  items?: TextNode[];
  header?: Array<{ tokens: TextNode[] }>;
  rows?: Array<Array<{ tokens: TextNode[] }>>;
};

export type MarkdownTextOptions = {
  /** Between blocks (paragraphs, headings, list items, cells): a space for one line of text, a newline to keep them apart. */
  blockSeparator?: " " | "\n";
  /** What a fenced or indented code block becomes; its code by default. */
  codeBlock?: (code: string) => string;
};

const blockTypes = new Set([
  "paragraph",
  "heading",
  "code",
  "list",
  "list_item",
  "blockquote",
  "table",
  "hr",
  "space",
]);

/**
 * The words a reader sees in markdown, without its syntax (emphasis, code and link marks, heading
 * and list marks, fences, table pipes, rules), parsed by Marked's lexer; runs of spaces as one.
 * Raw HTML and formulas stay as written. In an excerpt (a search snippet), a construct cut in half
 * stays as written too.
 *
 * @example
 * markdownText('You asked: *"pasta"*. I am the **demo model**.'); // 'You asked: "pasta". I am the demo model.'
 * markdownText("# Steps\n\n```sh\nls\n```", { blockSeparator: "\n", codeBlock: () => "(code)" }); // "Steps\n(code)"
 */
export function markdownText(source: string, options: MarkdownTextOptions = {}): string {
  const separator = options.blockSeparator ?? " ";
  const text = textOf(Lexer.lex(source) as unknown as TextNode[], {
    separator,
    codeBlock: options.codeBlock ?? ((code) => code),
  });
  if (separator === " ") return text.replace(/\s+/g, " ").trim();
  return text
    .replace(/[ \t]+/g, " ")
    .replace(/ ?\n[\s]*/g, "\n")
    .trim();
}

type Walk = { separator: string; codeBlock: (code: string) => string };

function textOf(nodes: TextNode[], walk: Walk): string {
  return nodes
    .map((node) =>
      blockTypes.has(node.type)
        ? `${walk.separator}${nodeText(node, walk)}${walk.separator}`
        : nodeText(node, walk),
    )
    .join("");
}

function nodeText(node: TextNode, walk: Walk): string {
  switch (node.type) {
    case "list":
      return textOf(node.items ?? [], walk);
    case "table":
      return [...(node.header ?? []), ...(node.rows ?? []).flat()]
        .map((cell) => textOf(cell.tokens, walk))
        .join(walk.separator);
    case "code":
      return walk.codeBlock(node.text ?? "");
    case "codespan":
      return node.text ?? "";
    case "br":
    case "hr":
    case "space":
      return walk.separator;
  }
  return node.tokens ? textOf(node.tokens, walk) : (node.text ?? "");
}
