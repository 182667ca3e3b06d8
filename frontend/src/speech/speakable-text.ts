/**
 * What of a markdown answer is worth reading aloud: code blocks become "(code)", links their
 * text, images their description, and the markup characters go; formulas stay as written.
 *
 * @example
 * speakableText("**Yes**, see [the docs](https://x.test)."); // "Yes, see the docs."
 */
export function speakableText(markdown: string): string {
  return markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, " (code) ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/(\*\*|\*|~~)(?=\S)([^\n]*?\S)\1/g, "$2")
    .replace(/(^|[^\w])(__|_)(?=\S)([^\n]*?\S)\2(?!\w)/g, "$1$3")
    .replace(/^\s*([-*_])(\s*\1){2,}\s*$/gm, "")
    .replace(/[ \t]+/g, " ")
    .replace(/\n{2,}/g, "\n")
    .trim();
}
