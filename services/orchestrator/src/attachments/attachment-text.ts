import { getDocumentProxy } from "unpdf";

/** How much of a document a model reads. */
export type AttachmentTextLimits = {
  /** ATTACHMENT_TEXT_MAX_CHARS: the text of one file is cut here, with a note. */
  maxChars: number;
  /** PDF_MAX_PAGES: pages of a PDF read at most. */
  maxPdfPages: number;
};

/** Cuts `text` to `maxChars`, saying so at the end. */
export function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[The text was cut here, after ${maxChars} characters.]`;
}

/**
 * The text of a PDF as models read it: the text layer of its first `maxPdfPages` pages, pages
 * separated by a blank line, cut at `maxChars`. What could not be read is said in brackets
 * instead: a scan without a text layer, a damaged or encrypted file. Never throws for bad bytes.
 *
 * @example
 * const text = await pdfText(bytes, { maxChars: 100_000, maxPdfPages: 100 });
 */
export async function pdfText(bytes: Uint8Array, limits: AttachmentTextLimits): Promise<string> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // PDF.js takes the buffer over (it detaches it), so it gets a copy.
    document = await getDocumentProxy(bytes.slice(), { verbosity: 0 });
  } catch {
    return "[This PDF could not be read: it is damaged or encrypted.]";
  }
  try {
    const pageCount = Math.min(document.numPages, limits.maxPdfPages);
    const pages: string[] = [];
    let characters = 0;
    let damaged = false;
    for (let number = 1; number <= pageCount && characters <= limits.maxChars; number++) {
      try {
        const content = await (await document.getPage(number)).getTextContent();
        const text = content.items
          .map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : ""))
          .join("")
          .trim();
        pages.push(text);
        characters += text.length + 2;
      } catch {
        damaged = true;
        break;
      }
    }
    const text = pages.filter(Boolean).join("\n\n");
    const notes = [
      damaged ? `[Page ${pages.length + 1} is damaged: reading stopped there.]` : "",
      !damaged && document.numPages > pages.length
        ? `[Only the first ${pages.length} of its ${document.numPages} pages were read.]`
        : "",
    ].filter(Boolean);
    if (text === "" && notes.length === 0) {
      return "[This PDF has no text to read (perhaps a scan: its pages are not read as images).]";
    }
    return [cutText(text, limits.maxChars), ...notes].filter(Boolean).join("\n");
  } finally {
    await document.loadingTask.destroy();
  }
}

/** The text of a text or code file (checked to be UTF-8 at upload), cut at `maxChars`. */
export function plainText(bytes: Uint8Array, limits: AttachmentTextLimits): string {
  return cutText(new TextDecoder("utf-8").decode(bytes), limits.maxChars);
}
