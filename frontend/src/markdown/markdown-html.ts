import { Marked, type Tokens } from "marked";
import { escapeHtml, highlightCode } from "./code-highlighter.ts";
import { mathExtension } from "./math-extension.ts";
import { loadableImageUrl, safeLinkUrl } from "./url-policy.ts";

/**
 * A Marked instance for model output, first of two layers (the second is `sanitizeHtml`):
 * raw HTML in the markdown is shown as text, never parsed; links keep only http(s) and mailto
 * URLs and open in a new tab without an opener or referrer; images load only from `origin` or a
 * raster data URL, and any other image becomes a link to it; fenced code is highlighted under a
 * header with its language and a copy button; LaTeX becomes MathML (`mathExtension`).
 */
function createMarked(origin: string): Marked {
  const marked = new Marked({
    async: false,
    gfm: true,
    breaks: false,
    renderer: {
      html({ text, block }: Tokens.HTML | Tokens.Tag): string {
        return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
      },
      code({ text, lang }: Tokens.Code): string {
        const code = highlightCode(text.replace(/\n$/, ""), lang);
        const languageClass = code.language ? ` language-${escapeHtml(code.language)}` : "";
        return (
          `<div class="code-block"><div class="code-header"><span class="code-language">${escapeHtml(code.label)}</span>` +
          `<button type="button" class="code-copy" data-code-copy="">Copy</button></div>` +
          `<pre><code class="hljs${languageClass}">${code.html}</code></pre></div>\n`
        );
      },
      link({ href, title, tokens }: Tokens.Link): string {
        const text = this.parser.parseInline(tokens);
        const url = safeLinkUrl(href, origin);
        if (!url) return `<span class="unsafe-link">${text}</span>`;
        const titleAttribute = title ? ` title="${escapeHtml(title)}"` : "";
        return `<a href="${escapeHtml(url)}"${titleAttribute} target="_blank" rel="noopener noreferrer">${text}</a>`;
      },
      image({ href, title, text }: Tokens.Image): string {
        const alt = escapeHtml(text);
        const titleAttribute = title ? ` title="${escapeHtml(title)}"` : "";
        const source = loadableImageUrl(href, origin);
        if (source) return `<img src="${escapeHtml(source)}" alt="${alt}"${titleAttribute} loading="lazy">`;
        const url = safeLinkUrl(href, origin);
        const label = `Image: ${alt || "untitled"}`;
        return url
          ? `<a class="remote-image" href="${escapeHtml(url)}" title="Remote image, not loaded" target="_blank" rel="noopener noreferrer">${label}</a>`
          : `<span class="remote-image">${label}</span>`;
      },
    },
  });
  return marked.use(mathExtension);
}

const instances = new Map<string, Marked>();

/**
 * Markdown to HTML for a model's answer (GitHub-flavoured; raw HTML escaped, URLs checked
 * against `origin`). The result is still to be passed through `sanitizeHtml`.
 *
 * @example
 * markdownToHtml("Hi <b>there</b> [x](javascript:alert(1))", "https://chat.example");
 * // '<p>Hi &lt;b&gt;there&lt;/b&gt; <span class="unsafe-link">x</span></p>\n'
 */
export function markdownToHtml(markdown: string, origin: string): string {
  let marked = instances.get(origin);
  if (!marked) {
    marked = createMarked(origin);
    instances.set(origin, marked);
  }
  return marked.parse(markdown) as string;
}
