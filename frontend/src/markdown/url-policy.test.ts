import { describe, expect, test } from "bun:test";
import { loadableImageUrl, safeLinkUrl } from "./url-policy.ts";

const origin = "https://chat.example";

describe("safeLinkUrl", () => {
  test.each([
    ["https://example.com/a?b=1#c", "https://example.com/a?b=1#c"],
    ["http://example.com", "http://example.com/"],
    ["mailto:ada@example.com", "mailto:ada@example.com"],
    ["/docs", "https://chat.example/docs"],
    ["#/chats/1", "https://chat.example/#/chats/1"],
  ])("keeps %p", (url, expected) => {
    expect(safeLinkUrl(url, origin)).toBe(expected);
  });

  test.each([
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\u0001javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "tel:+100",
    "ftp://example.com",
    "http://[::1",
  ])("drops %p", (url) => {
    expect(safeLinkUrl(url, origin)).toBeNull();
  });
});

describe("loadableImageUrl", () => {
  test("same-origin images and raster data URLs load", () => {
    expect(loadableImageUrl("/assets/logo.png", origin)).toBe("https://chat.example/assets/logo.png");
    expect(loadableImageUrl("https://chat.example/a.png", origin)).toBe("https://chat.example/a.png");
    expect(loadableImageUrl("data:image/png;base64,iVBORw0KGgo=", origin)).toBe(
      "data:image/png;base64,iVBORw0KGgo=",
    );
  });

  test.each([
    "https://attacker.example/leak.png?secret=1",
    "//attacker.example/leak.png",
    "http://chat.example/a.png",
    "https://chat.example:8443/a.png",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    "data:text/html;base64,PHNjcmlwdD4=",
    "javascript:alert(1)",
  ])("%p does not load", (url) => {
    expect(loadableImageUrl(url, origin)).toBeNull();
  });
});
