/** Schemes a link in a model's answer may use; anything else (javascript:, data:, file:, vbscript:…) is dropped. */
const linkProtocols = new Set(["http:", "https:", "mailto:"]);

/** Raster images only: an SVG data URL is a document of its own, and nothing here needs one. */
const dataImage = /^data:image\/(?:png|gif|jpeg|webp|avif);base64,[a-z0-9+/=\s]+$/i;

// Browsers ignore tabs, newlines and leading control characters in URLs ("java\tscript:" is
// javascript:), so they are removed before the scheme is read.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is removed
const ignoredByBrowsers = /[\u0000-\u0020\u007f-\u009f]/g;

function parse(url: string, origin: string): URL | null {
  try {
    return new URL(url.replace(ignoredByBrowsers, ""), origin);
  } catch {
    return null;
  }
}

/**
 * The URL a link may point at, or null when it must not be a link: only http(s) and mailto,
 * relative URLs resolved against `origin` (the app's own origin).
 *
 * @example
 * safeLinkUrl("javascript:alert(1)", "https://chat.example"); // null
 * safeLinkUrl("/docs", "https://chat.example"); // "https://chat.example/docs"
 */
export function safeLinkUrl(url: string, origin: string): string | null {
  const parsed = parse(url, origin);
  return parsed && linkProtocols.has(parsed.protocol) ? parsed.href : null;
}

/**
 * The URL an `<img>` may load, or null: same-origin images and raster data URLs only, so a
 * model's answer cannot make the browser call a remote host (a tracking pixel, data in a query).
 *
 * @example
 * loadableImageUrl("https://attacker.example/x.png?secret=1", "https://chat.example"); // null
 */
export function loadableImageUrl(url: string, origin: string): string | null {
  const trimmed = url.trim();
  if (/^data:/i.test(trimmed)) return dataImage.test(trimmed) ? trimmed : null;
  const parsed = parse(trimmed, origin);
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) return null;
  return parsed.origin === new URL(origin).origin ? parsed.href : null;
}
