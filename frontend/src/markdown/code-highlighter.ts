import highlighter from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

// The core plus a curated set keeps the bundle lean; highlight.js registers each language's
// aliases (ts, js, py, sh, html, yml, md, c++…) with it.
const languages = {
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(languages)) highlighter.registerLanguage(name, language);

/** What a fence's info string may name; anything else is shown as plain code. */
const languageName = /^[\w+#.-]{1,32}$/;

/** A code block ready to show: `html` is escaped (and highlighted when the language is known). */
export interface HighlightedCode {
  /** The label to show: the fence's language as written, or "text". */
  label: string;
  /** The highlight.js language used, when one was. */
  language: string | undefined;
  html: string;
}

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for use in HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => escapes[character] ?? character);
}

/** Recently highlighted blocks: a streaming answer re-renders its finished blocks on every chunk. */
const recent = new Map<string, HighlightedCode>();
const recentLimit = 64;

/**
 * Highlights `code` as the fence's `info` language (ts, python, bash, …); unknown or missing
 * languages are escaped, not guessed.
 *
 * @example
 * highlightCode("const a = 1;", "ts").html; // '<span class="hljs-keyword">const</span> a = …'
 */
export function highlightCode(code: string, info: string | undefined): HighlightedCode {
  const requested = (info ?? "").trim().split(/\s+/)[0] ?? "";
  const named = languageName.test(requested) ? requested : "";
  const key = `${named}\u0000${code}`;
  const cached = recent.get(key);
  if (cached) return cached;

  const language = named && highlighter.getLanguage(named) ? named.toLowerCase() : undefined;
  const html = language
    ? highlighter.highlight(code, { language, ignoreIllegals: true }).value
    : escapeHtml(code);
  const result: HighlightedCode = { label: named || "text", language, html };
  recent.set(key, result);
  if (recent.size > recentLimit) recent.delete(recent.keys().next().value as string);
  return result;
}
