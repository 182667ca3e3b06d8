import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const stylesheet = await Bun.file(join(import.meta.dir, "app.css")).text();

const rootRule = stylesheet.slice(
  stylesheet.indexOf(":root {"),
  stylesheet.indexOf("}", stylesheet.indexOf(":root {")),
);

/** The colour of each `--token: light-dark(#light, #dark)` of the `:root` rule, in one theme. */
function tokensOf(theme: "light" | "dark"): Map<string, string> {
  const pairs = [...rootRule.matchAll(/(--[\w-]+):\s*light-dark\((#[0-9a-f]{6}),\s*(#[0-9a-f]{6})\)\s*;/gi)];
  return new Map(
    pairs.map((match) => [match[1], theme === "light" ? match[2] : match[3]] as [string, string]),
  );
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((index) => Number.parseInt(hex.slice(index, index + 2), 16) / 255);
  const [red, green, blue] = channels.map((channel) =>
    channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4,
  ) as [number, number, number];
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** WCAG 2 contrast ratio of two colours. */
function contrast(first: string, second: string): number {
  const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}

/** [foreground, background, minimum]: 4.5 for text, 3 for focus rings, borders of controls and status dots. */
const pairs: Array<[string, string, number]> = [
  ...[
    "--surface",
    "--surface-muted",
    "--surface-sunken",
    "--user-bubble",
    "--code-surface",
    "--code-header",
  ].map((background): [string, string, number] => ["--text", background, 4.5]),
  ...["--surface", "--surface-muted", "--surface-sunken", "--code-surface", "--code-header"].map(
    (background): [string, string, number] => ["--text-muted", background, 4.5],
  ),
  ["--accent-text", "--accent", 4.5],
  ["--accent-text", "--accent-strong", 4.5],
  ["--accent-soft-text", "--accent-soft", 4.5],
  ["--accent", "--surface", 4.5],
  ["--accent", "--surface-muted", 4.5],
  ["--danger", "--danger-soft", 4.5],
  ["--danger", "--surface", 4.5],
  ["--mark-text", "--mark", 4.5],
  ...[
    "--hl-keyword",
    "--hl-string",
    "--hl-number",
    "--hl-title",
    "--hl-comment",
    "--hl-built-in",
    "--hl-attr",
    "--hl-tag",
  ].map((token): [string, string, number] => [token, "--code-surface", 4.5]),
  ["--hl-addition", "--hl-addition-bg", 4.5],
  ["--hl-deletion", "--hl-deletion-bg", 4.5],
  ["--border-strong", "--surface", 3],
  ["--focus", "--surface", 3],
  ["--focus", "--surface-muted", 3],
  ["--success", "--surface", 3],
  ["--warning", "--surface", 3],
];

describe("theme colours meet WCAG AA contrast", () => {
  const themes = {
    light: tokensOf("light"),
    dark: tokensOf("dark"),
  };

  for (const [theme, tokens] of Object.entries(themes)) {
    test.each(pairs)(`${theme}: %s on %s`, (foreground, background, minimum) => {
      const ratio = contrast(tokens.get(foreground) as string, tokens.get(background) as string);
      expect(ratio).toBeGreaterThanOrEqual(minimum);
    });
  }
});
