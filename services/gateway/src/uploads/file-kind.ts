import { AppError, type AttachmentKind } from "@chat/contracts";
import { fileTypeFromBuffer } from "file-type";
import { extensionOf } from "./attachment-name.ts";

/** What an upload is, decided from its first bytes (and, for text, which has no magic, its name). */
export type FileKind = { kind: AttachmentKind; mediaType: string };

/** How many bytes the type is sniffed from: what `file-type` reads at most for the allowed types. */
export const sniffedBytes = 4_100;

// The allow-list, by the media type file-type finds in the bytes. WebM is one container for audio
// and video and file-type cannot tell them apart: a browser's MediaRecorder makes audio in it.
const allowedByMagic: Record<string, FileKind> = {
  "image/png": { kind: "image", mediaType: "image/png" },
  "image/jpeg": { kind: "image", mediaType: "image/jpeg" },
  "image/webp": { kind: "image", mediaType: "image/webp" },
  "image/gif": { kind: "image", mediaType: "image/gif" },
  "application/pdf": { kind: "pdf", mediaType: "application/pdf" },
  "audio/ogg": { kind: "audio", mediaType: "audio/ogg" },
  "audio/opus": { kind: "audio", mediaType: "audio/ogg" },
  "audio/mpeg": { kind: "audio", mediaType: "audio/mpeg" },
  "audio/wav": { kind: "audio", mediaType: "audio/wav" },
  "audio/x-m4a": { kind: "audio", mediaType: "audio/mp4" },
  "audio/mp4": { kind: "audio", mediaType: "audio/mp4" },
  "audio/webm": { kind: "audio", mediaType: "audio/webm" },
  "video/webm": { kind: "audio", mediaType: "audio/webm" },
};

/**
 * Text and code have no magic number: a file whose bytes match no known type is accepted as text
 * only with one of these extensions, and only when all of it is UTF-8 without NUL (checked while
 * it streams). Markup a browser would run (html, svg, xml) is not on the list.
 */
export const textExtensions = new Set([
  "txt",
  "md",
  "markdown",
  "csv",
  "tsv",
  "json",
  "jsonl",
  "yaml",
  "yml",
  "toml",
  "ini",
  "log",
  "ts",
  "tsx",
  "js",
  "jsx",
  "mjs",
  "cjs",
  "py",
  "rb",
  "go",
  "rs",
  "java",
  "kt",
  "c",
  "h",
  "cc",
  "cpp",
  "hpp",
  "cs",
  "swift",
  "php",
  "sh",
  "bash",
  "sql",
  "css",
  "scss",
  "lua",
  "r",
  "tex",
]);

const textKind: FileKind = { kind: "text", mediaType: "text/plain; charset=utf-8" };

function unsupported(message: string): AppError {
  return new AppError("UNSUPPORTED_MEDIA_TYPE", message, { retryable: false });
}

/**
 * The kind of an upload from its first bytes (`sniffedBytes` of them, or all of a shorter file)
 * and its sanitised name; throws 415 UNSUPPORTED_MEDIA_TYPE for anything off the allow-list,
 * whatever the name or the client's Content-Type say.
 *
 * @example
 * await fileKindOf(firstBytes, "photo.png"); // { kind: "image", mediaType: "image/png" }
 */
export async function fileKindOf(head: Uint8Array, name: string): Promise<FileKind> {
  const found = await fileTypeFromBuffer(head);
  if (found) {
    const allowed = allowedByMagic[found.mime];
    if (!allowed) throw unsupported(`Files of type ${found.mime} are not accepted`);
    return allowed;
  }
  if (!textExtensions.has(extensionOf(name))) {
    throw unsupported("Only images (PNG, JPEG, WebP, GIF), PDF, audio and text or code files are accepted");
  }
  return textKind;
}
