/** A run of text, and whether it is an occurrence of the searched text. */
export type TextPart = { text: string; matched: boolean };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Splits `text` into the occurrences of `query` and the runs between them, matching as the server's
 * snippets do: case ignored letter by letter (a JavaScript `i` pattern), and any run of whitespace
 * in the query matching any run in the text (snippets come with their whitespace collapsed).
 *
 * @example
 * splitAtMatches("Pack for Rain and rain", "rain");
 * // [{ text: "Pack for ", matched: false }, { text: "Rain", matched: true },
 * //  { text: " and ", matched: false }, { text: "rain", matched: true }]
 */
export function splitAtMatches(text: string, query: string): TextPart[] {
  const words = query.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return text ? [{ text, matched: false }] : [];
  const pattern = new RegExp(words.map(escapeRegExp).join("\\s+"), "gi");
  const parts: TextPart[] = [];
  let from = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > from) parts.push({ text: text.slice(from, match.index), matched: false });
    from = match.index + match[0].length;
    parts.push({ text: text.slice(match.index, from), matched: true });
  }
  if (from < text.length) parts.push({ text: text.slice(from), matched: false });
  return parts;
}
