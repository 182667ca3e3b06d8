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
 * The words a reader sees in a piece of markdown, without its syntax (emphasis, code and link
 * marks, heading and list marks, fences, table pipes), whitespace runs as one space. Meant for a
 * short excerpt such as a search snippet: a construct cut in half stays as written.
 *
 * @example
 * markdownText('You asked: *"pasta"*. I am the **demo model**.'); // 'You asked: "pasta". I am the demo model.'
 */
export function markdownText(source: string): string {
  return textOf(Lexer.lex(source) as unknown as TextNode[])
    .replace(/\s+/g, " ")
    .trim();
}

function textOf(nodes: TextNode[]): string {
  return nodes.map((node) => (blockTypes.has(node.type) ? ` ${nodeText(node)} ` : nodeText(node))).join("");
}

function nodeText(node: TextNode): string {
  if (node.type === "list") return textOf(node.items ?? []);
  if (node.type === "table") {
    const cells = [...(node.header ?? []), ...(node.rows ?? []).flat()];
    return cells.map((cell) => textOf(cell.tokens)).join(" ");
  }
  if (node.type === "code" || node.type === "codespan") return node.text ?? "";
  if (node.type === "br" || node.type === "hr" || node.type === "space") return " ";
  if (node.tokens) return textOf(node.tokens);
  return node.text ?? "";
}
