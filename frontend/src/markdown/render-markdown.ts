import { markdownToHtml } from "./markdown-html.ts";
import { sanitizeHtml } from "./sanitize-html.ts";

/**
 * A model's markdown answer as safe HTML for the page: marked (raw HTML escaped, URLs checked),
 * then DOMPurify with a strict allow-list. Browser only (DOMPurify needs a DOM).
 *
 * @example
 * bubble.innerHTML = renderMarkdown("**Hi** `code`");
 */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(markdownToHtml(markdown, window.location.origin));
}
