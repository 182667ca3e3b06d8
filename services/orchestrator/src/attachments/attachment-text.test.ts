import { describe, expect, test } from "bun:test";
import { textPdf } from "./__fixtures__/text-pdf.ts";
import { cutText, pdfText, plainText } from "./attachment-text.ts";

const limits = { maxChars: 10_000, maxPdfPages: 50 };

describe("attachment text", () => {
  test("a PDF's pages become text, one paragraph a page", async () => {
    const text = await pdfText(textPdf(["Quarterly report: revenue grew (12%)", "Page two: costs"]), limits);
    expect(text).toBe("Quarterly report: revenue grew (12%)\n\nPage two: costs");
  });

  test("a PDF of 3 000 pages is read only to PDF_MAX_PAGES, and says so", async () => {
    const pages = Array.from({ length: 3_000 }, (_, index) => `page ${index + 1}`);
    const started = performance.now();
    const text = await pdfText(textPdf(pages), { maxChars: 10_000, maxPdfPages: 5 });
    expect(text).toBe(
      "page 1\n\npage 2\n\npage 3\n\npage 4\n\npage 5\n[Only the first 5 of its 3000 pages were read.]",
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test("a PDF's text past ATTACHMENT_TEXT_MAX_CHARS is cut, and stops reading pages", async () => {
    const pages = Array.from({ length: 40 }, (_, index) => `${index}`.padEnd(50, "x"));
    const text = await pdfText(textPdf(pages), { maxChars: 120, maxPdfPages: 40 });
    expect(text).toBe(
      `${pages[0]}\n\n${pages[1]}\n\n${pages[2]?.slice(0, 16)}\n` +
        "[The text was cut here, after 120 characters.]\n[Only the first 3 of its 40 pages were read.]",
    );
  });

  test("bytes that are not a PDF say so instead of throwing", async () => {
    expect(await pdfText(new TextEncoder().encode("%PDF-1.4\n<html>not really</html>"), limits)).toMatch(
      /^\[This PDF (could not be read|has no text)/,
    );
  });

  test("a PDF without a text layer says its pages were not read", async () => {
    expect(await pdfText(textPdf([""]), limits)).toContain("has no text to read");
  });

  test("a text file is its UTF-8, cut at the limit", () => {
    expect(plainText(new TextEncoder().encode("héllo wörld"), limits)).toBe("héllo wörld");
    expect(cutText("abcdef", 3)).toBe("abc\n[The text was cut here, after 3 characters.]");
  });
});
