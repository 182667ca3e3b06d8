import { describe, expect, test } from "bun:test";
import { MAX_ATTACHMENT_NAME_CHARS } from "@chat/contracts";
import { contentDisposition, extensionOf, sanitizeAttachmentName } from "./attachment-name.ts";

describe("sanitizeAttachmentName", () => {
  test("keeps only the last segment of a POSIX or Windows path", () => {
    expect(sanitizeAttachmentName("../../etc/passwd")).toBe("passwd");
    expect(sanitizeAttachmentName("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
  });

  test("drops control and bidi characters, header and shell metacharacters, and leading dots", () => {
    expect(sanitizeAttachmentName("in\u202Evoice\u0000.txt")).toBe("invoice.txt");
    expect(sanitizeAttachmentName('a"b<c>d|e*f?.md')).toBe("abcdef.md");
    expect(sanitizeAttachmentName("..hidden")).toBe("hidden");
    expect(sanitizeAttachmentName("line\r\nbreak\ttab.txt")).toBe("linebreaktab.txt");
  });

  test("an empty result becomes `file`", () => {
    expect(sanitizeAttachmentName("")).toBe("file");
    expect(sanitizeAttachmentName("../..")).toBe("file");
    expect(sanitizeAttachmentName("\u0000\u0001")).toBe("file");
  });

  test("a long name is cut to the limit and keeps its extension", () => {
    const name = sanitizeAttachmentName(`${"é".repeat(500)}.pdf`);
    expect([...name].length).toBe(MAX_ATTACHMENT_NAME_CHARS);
    expect(name.endsWith(".pdf")).toBe(true);
  });
});

test("extensionOf is lower-cased and empty without a dot", () => {
  expect(extensionOf("Main.TS")).toBe("ts");
  expect(extensionOf("Makefile")).toBe("");
});

test("contentDisposition has an ASCII fallback and the UTF-8 name", () => {
  expect(contentDisposition("attachment", 'naïve "quote".txt')).toBe(
    `attachment; filename="na_ve _quote_.txt"; filename*=UTF-8''na%C3%AFve%20%22quote%22.txt`,
  );
});
