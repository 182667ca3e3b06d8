/**
 * What the component tests load into a blank page (bundled by `Bun.build`): the markdown
 * pipeline and the `<chat-message>` element, exactly as the app uses them.
 */
import "../../frontend/src/elements/chat-message.ts";
import { markdownToHtml } from "../../frontend/src/markdown/markdown-html.ts";
import { renderMarkdown } from "../../frontend/src/markdown/render-markdown.ts";
import { sanitizeHtml } from "../../frontend/src/markdown/sanitize-html.ts";

Object.assign(window, { harness: { markdownToHtml, renderMarkdown, sanitizeHtml } });
