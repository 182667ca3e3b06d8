import createDOMPurify, { type Config, type DOMPurify } from "dompurify";
import { loadableImageUrl, safeLinkUrl } from "./url-policy.ts";

const mathMlNamespace = "http://www.w3.org/1998/Math/MathML";

/** The presentation MathML that formulas (`renderMath`) are made of. */
const mathTags = [
  "math",
  "menclose",
  "merror",
  "mfrac",
  "mi",
  "mmultiscripts",
  "mn",
  "mo",
  "mover",
  "mpadded",
  "mphantom",
  "mprescripts",
  "mroot",
  "mrow",
  "ms",
  "mspace",
  "msqrt",
  "mstyle",
  "msub",
  "msubsup",
  "msup",
  "mtable",
  "mtd",
  "mtext",
  "mtr",
  "munder",
  "munderover",
  "none",
  "semantics",
];

/** MathML layout attributes; no `href`, no `style` (the CSP forbids inline styles anyway). */
const mathAttributes = [
  "accent",
  "accentunder",
  "columnalign",
  "columnlines",
  "columnspacing",
  "depth",
  "display",
  "displaystyle",
  "fence",
  "form",
  "frame",
  "height",
  "largeop",
  "linethickness",
  "lspace",
  "mathvariant",
  "maxsize",
  "minsize",
  "movablelimits",
  "notation",
  "rowalign",
  "rowlines",
  "rowspacing",
  "rspace",
  "scriptlevel",
  "separator",
  "stretchy",
  "symmetric",
  "voffset",
  "width",
];

/**
 * What markdown produces, and nothing more: no script, style, form, frame, object or SVG, MathML
 * only for formulas, no event handler, `style`, `id` or `name` (no DOM clobbering), no data or
 * ARIA attributes beyond the copy button's marker.
 */
const config: Config = {
  ALLOWED_TAGS: [
    "a",
    "b",
    "blockquote",
    "br",
    "button",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    ...mathTags,
  ],
  ALLOWED_ATTR: [
    "align",
    "alt",
    "checked",
    "class",
    "colspan",
    "data-code-copy",
    "disabled",
    "href",
    "loading",
    "rel",
    "rowspan",
    "src",
    "start",
    "target",
    "title",
    "type",
    ...mathAttributes,
  ],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  ALLOWED_NAMESPACES: ["http://www.w3.org/1999/xhtml", mathMlNamespace],
  SANITIZE_NAMED_PROPS: true,
  KEEP_CONTENT: true,
};

let purifier: DOMPurify | undefined;

/** One DOMPurify of our own, so its hooks never touch another user of the library. */
function purifierFor(window: Window & typeof globalThis): DOMPurify {
  if (purifier) return purifier;
  const instance = createDOMPurify(window);
  instance.addHook("afterSanitizeAttributes", (node) => {
    const element = node as Element;
    const origin = window.location.origin;
    if (element.namespaceURI === mathMlNamespace) {
      // MathML elements become links with `href` in some browsers: a formula never links anywhere.
      element.removeAttribute("href");
      return;
    }
    // MathML's attributes are for MathML: an HTML `form` or `width` is not a formula's.
    for (const name of mathAttributes) element.removeAttribute(name);
    switch (element.tagName) {
      case "A": {
        const href = element.getAttribute("href");
        const url = href === null ? null : safeLinkUrl(href, origin);
        if (url) {
          element.setAttribute("href", url);
          element.setAttribute("target", "_blank");
          element.setAttribute("rel", "noopener noreferrer");
        } else {
          element.removeAttribute("href");
          element.removeAttribute("target");
        }
        return;
      }
      case "IMG": {
        const source = element.getAttribute("src");
        const url = source === null ? null : loadableImageUrl(source, origin);
        if (url) {
          element.setAttribute("src", url);
          return;
        }
        // Replaced before the element is ever attached to a document, so nothing is fetched.
        const link = safeLinkUrl(source ?? "", origin);
        const replacement = window.document.createElement(link ? "a" : "span");
        replacement.className = "remote-image";
        replacement.textContent = `Image: ${element.getAttribute("alt") || "untitled"}`;
        if (link) {
          replacement.setAttribute("href", link);
          replacement.setAttribute("title", "Remote image, not loaded");
          replacement.setAttribute("target", "_blank");
          replacement.setAttribute("rel", "noopener noreferrer");
        }
        element.replaceWith(replacement);
        return;
      }
      case "INPUT":
        // Task-list checkboxes only, and they show state rather than take input.
        if (element.getAttribute("type") !== "checkbox") element.remove();
        else element.setAttribute("disabled", "");
        return;
      case "BUTTON":
        element.setAttribute("type", "button");
        return;
    }
  });
  purifier = instance;
  return instance;
}

/**
 * The HTML of a model's answer made safe to put into the page (second layer after
 * `markdownToHtml`): a strict allow-list, links only to http(s) and mailto opening in a new tab
 * with `rel="noopener noreferrer"`, images only from this origin or raster data URLs (others
 * become a link to the image, never fetched).
 *
 * @example
 * element.innerHTML = sanitizeHtml('<img src=x onerror="alert(1)">'); // '<img src="https://…/x">'
 */
export function sanitizeHtml(html: string, window: Window & typeof globalThis = globalThis.window): string {
  return purifierFor(window).sanitize(html, { ...config, RETURN_DOM: false, RETURN_DOM_FRAGMENT: false });
}
