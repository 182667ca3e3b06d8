import { css } from "lit";

/**
 * How a rendered answer looks: prose, lists, tables, quotes, links, code blocks with their
 * header, and highlight.js token colours from the theme's `--hl-*` tokens.
 */
export const markdownStyles = css`
  .markdown {
    overflow-wrap: anywhere;
    line-height: 1.65;
  }
  .markdown > :first-child {
    margin-top: 0;
  }
  .markdown > :last-child {
    margin-bottom: 0;
  }
  .markdown p,
  .markdown ul,
  .markdown ol,
  .markdown blockquote,
  .markdown table,
  .markdown .code-block {
    margin: 0 0 0.85em;
  }
  .markdown h1,
  .markdown h2,
  .markdown h3,
  .markdown h4,
  .markdown h5,
  .markdown h6 {
    margin: 1.2em 0 0.5em;
    line-height: 1.3;
    font-weight: 650;
  }
  .markdown h1 {
    font-size: 1.35em;
  }
  .markdown h2 {
    font-size: 1.2em;
  }
  .markdown h3 {
    font-size: 1.08em;
  }
  .markdown h4,
  .markdown h5,
  .markdown h6 {
    font-size: 1em;
  }
  .markdown ul,
  .markdown ol {
    padding-left: 1.5em;
  }
  .markdown li + li {
    margin-top: 0.25em;
  }
  .markdown li > ul,
  .markdown li > ol {
    margin: 0.25em 0 0;
  }
  .markdown blockquote {
    padding: 0 0 0 14px;
    border-left: 3px solid var(--border-strong);
    color: var(--text-muted);
  }
  .markdown hr {
    border: 0;
    border-top: 1px solid var(--border);
    margin: 1.2em 0;
  }
  .markdown a {
    color: var(--accent);
    text-decoration: underline;
    text-underline-offset: 2px;
  }
  .markdown a:hover {
    text-decoration-thickness: 2px;
  }
  .markdown .remote-image::before {
    content: "🖼 ";
  }
  .markdown .unsafe-link {
    text-decoration: underline dotted;
  }
  .markdown img {
    max-width: 100%;
    height: auto;
    border-radius: 8px;
  }
  .markdown table {
    display: block;
    max-width: 100%;
    overflow-x: auto;
    border-collapse: collapse;
    font-size: 14px;
  }
  .markdown th,
  .markdown td {
    padding: 6px 12px;
    border: 1px solid var(--border);
    text-align: left;
  }
  .markdown th {
    background: var(--surface-muted);
    font-weight: 600;
  }
  .markdown :not(pre) > code {
    padding: 0.1em 0.35em;
    border-radius: 5px;
    background: var(--code-surface);
    border: 1px solid var(--border);
    font-family: var(--font-code);
    font-size: 0.88em;
  }
  .markdown .code-block {
    border: 1px solid var(--border);
    border-radius: 10px;
    background: var(--code-surface);
    overflow: hidden;
  }
  .markdown .code-header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 4px 6px 4px 14px;
    background: var(--code-header);
    border-bottom: 1px solid var(--border);
    font-size: 12px;
    color: var(--text-muted);
  }
  .markdown .code-language {
    font-family: var(--font-code);
  }
  .markdown .code-copy {
    padding: 4px 10px;
    font-size: 12px;
    font-weight: 550;
    color: var(--text-muted);
  }
  .markdown .code-copy:hover {
    color: var(--text);
    background: var(--surface-sunken);
  }
  .markdown pre {
    margin: 0;
    padding: 12px 14px;
    overflow-x: auto;
    font-family: var(--font-code);
    font-size: 13px;
    line-height: 1.55;
    tab-size: 2;
  }
  .markdown pre code {
    font-family: inherit;
  }
  .markdown input[type="checkbox"] {
    margin: 0 0.4em 0 0;
    vertical-align: -0.1em;
  }

  .hljs-keyword,
  .hljs-meta .hljs-keyword,
  .hljs-template-tag,
  .hljs-template-variable,
  .hljs-type,
  .hljs-variable.language_ {
    color: var(--hl-keyword);
  }
  .hljs-title,
  .hljs-title.class_,
  .hljs-title.class_.inherited__,
  .hljs-title.function_ {
    color: var(--hl-title);
  }
  .hljs-attr,
  .hljs-attribute {
    color: var(--hl-attr);
  }
  .hljs-literal,
  .hljs-meta,
  .hljs-number,
  .hljs-operator,
  .hljs-variable,
  .hljs-selector-attr,
  .hljs-selector-class,
  .hljs-selector-id {
    color: var(--hl-number);
  }
  .hljs-regexp,
  .hljs-string,
  .hljs-meta .hljs-string {
    color: var(--hl-string);
  }
  .hljs-built_in,
  .hljs-symbol,
  .hljs-bullet {
    color: var(--hl-built-in);
  }
  .hljs-comment,
  .hljs-code,
  .hljs-formula {
    color: var(--hl-comment);
    font-style: italic;
  }
  .hljs-name,
  .hljs-quote,
  .hljs-selector-tag,
  .hljs-selector-pseudo,
  .hljs-tag {
    color: var(--hl-tag);
  }
  .hljs-section {
    color: var(--hl-number);
    font-weight: 700;
  }
  .hljs-emphasis {
    font-style: italic;
  }
  .hljs-strong {
    font-weight: 700;
  }
  .hljs-addition {
    color: var(--hl-addition);
    background: var(--hl-addition-bg);
  }
  .hljs-deletion {
    color: var(--hl-deletion);
    background: var(--hl-deletion-bg);
  }
  /* Formulas are MathML (Temml); the browser lays them out with a math font. */
  math {
    font-family: "Cambria Math", "STIX Two Math", "Latin Modern Math", "DejaVu Math TeX Gyre", math;
    font-size: 1.05em;
  }
  .math-display {
    overflow-x: auto;
    overflow-y: hidden;
    margin: 0.75em 0;
  }
  math[display="block"] {
    display: block math;
  }
  mtd {
    padding: 0.2em 0.5em;
  }
`;
