import type { MarkedExtension, Tokens } from "marked";
import { escapeHtml } from "./code-highlighter.ts";

type MathToken = Tokens.Generic & { type: "blockMath" | "inlineMath"; tex: string; display: boolean };

/**
 * Where a formula may begin: `$$`, `\[`, `\(` or a `$` that opens inline math. A `$` before a
 * space or a digit is money ("$5 and $10"), not math.
 */
const inlineMath =
  /^(?:\$\$([^$]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$(?![\s\d$])((?:\\\$|[^$\n])+?)(?<![\s\\])\$(?!\d))/;
const blockMath = /^(?:\$\$\n?([\s\S]+?)\n?\$\$|\\\[\n?([\s\S]+?)\n?\\\])[ \t]*(?:\n|$)/;

type Temml = typeof import("temml").default;

let temml: Temml | undefined;
let loading: Promise<void> | undefined;
const waiting = new Set<() => void>();

/** The class of a formula shown as its source until Temml has loaded. */
export const pendingMathClass = "math-pending";

/**
 * Loads Temml, a chunk of its own that the app fetches the first time an answer has a formula, so
 * the first page load does not carry it.
 */
export function loadMathRenderer(): Promise<void> {
  loading ??= import("temml").then((module) => {
    temml = module.default;
    for (const notify of waiting) notify();
    waiting.clear();
  });
  return loading;
}

/** Runs `callback` once formulas can be rendered: for HTML rendered with pending formulas. */
export function whenMathRenderable(callback: () => void): void {
  if (temml) callback();
  else waiting.add(callback);
}

/**
 * MathML of a formula; an expression Temml cannot read is shown as its source, marked. Until
 * Temml has loaded, the source in a `math-pending` code span (and the loading starts).
 */
export function renderMath(tex: string, display: boolean): string {
  if (!temml) {
    void loadMathRenderer();
    return `<code class="${pendingMathClass}">${escapeHtml(tex)}</code>`;
  }
  const mathMl = temml.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    // No \href, \url, \includegraphics or \class: model output decides nothing outside the formula.
    trust: false,
    maxSize: [20, 20],
    maxExpand: 200,
  });
  // Temml's few inline styles (\color, cell padding) would break the CSP, and a parse of them
  // (even by the sanitizer, in an inert document) is reported as a violation: they go here.
  return mathMl.replace(/ style="[^"]*"/g, "");
}

/**
 * LaTeX in a model's markdown: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` on lines of their
 * own. The formula is taken before markdown reads it, so its backslashes and underscores stay as
 * written; code spans and code blocks are read first and keep their dollars.
 */
export const mathExtension: MarkedExtension = {
  extensions: [
    {
      name: "blockMath",
      level: "block",
      start: (source: string) => source.match(/^(?:\$\$|\\\[)/m)?.index,
      tokenizer(source: string): MathToken | undefined {
        const match = blockMath.exec(source);
        if (!match) return undefined;
        return { type: "blockMath", raw: match[0], tex: (match[1] ?? match[2] ?? "").trim(), display: true };
      },
      renderer: (token) => `<p class="math-display">${renderMath((token as MathToken).tex, true)}</p>\n`,
    },
    {
      name: "inlineMath",
      level: "inline",
      start: (source: string) => source.match(/\$|\\[([]/)?.index,
      tokenizer(source: string): MathToken | undefined {
        const match = inlineMath.exec(source);
        if (!match) return undefined;
        const display = match[1] !== undefined || match[2] !== undefined;
        const tex = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? "").trim();
        return { type: "inlineMath", raw: match[0], tex, display };
      },
      renderer: (token) => renderMath((token as MathToken).tex, (token as MathToken).display),
    },
  ],
};
