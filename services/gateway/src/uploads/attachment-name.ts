import { MAX_ATTACHMENT_NAME_CHARS } from "@chat/contracts";

// Control and format characters (bidi overrides that make `exe.txt` read `txt.exe`, zero widths),
// and the characters that mean something in a header or a path on some system.
const unsafeCharacters = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}"\\/:*?<>|]/gu;

/**
 * A file name safe to store and to show: the last segment of any path (`/` or `\`), without control
 * or format characters or leading dots, whitespace collapsed, at most `MAX_ATTACHMENT_NAME_CHARS`
 * characters with the extension kept; `file` when nothing is left.
 *
 * @example
 * sanitizeAttachmentName("../../etc/passwd"); // "passwd"
 * sanitizeAttachmentName("C:\\Users\\me\\report.pdf"); // "report.pdf"
 */
export function sanitizeAttachmentName(raw: string): string {
  const lastSegment = raw.split(/[/\\]/).at(-1) ?? "";
  const cleaned = lastSegment
    .normalize("NFC")
    .replace(unsafeCharacters, "")
    .replace(/\s+/gu, " ")
    .trim()
    .replace(/^[.\s]+/u, "");
  if (!cleaned) return "file";
  const characters = [...cleaned];
  if (characters.length <= MAX_ATTACHMENT_NAME_CHARS) return cleaned;
  const dot = cleaned.lastIndexOf(".");
  const extension = dot > 0 ? [...cleaned.slice(dot)].slice(0, 16).join("") : "";
  return characters.slice(0, MAX_ATTACHMENT_NAME_CHARS - [...extension].length).join("") + extension;
}

/** The extension of a sanitised name, lower-cased, without the dot; "" when there is none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** `Content-Disposition` for a name: ASCII fallback plus the UTF-8 name (RFC 6266). */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\%]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
